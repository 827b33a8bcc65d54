/* Starts the bundled server inside this process through zkserver.h, runs a
 * short client session against it with zookeeper.h, and stops it. Bad
 * arguments must fail with errno set, never crash. */
#include <zookeeper.h>
#include <zkserver.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int connected;

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh; (void)path; (void)ctx;
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) connected = 1;
}

int main(void) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    /* Each call first, then its errno: argument evaluation order is unspecified. */
    errno = 0;
    struct zkrs_server *s1 = zkrs_server_start("not-an-ip", 0, NULL);
    int e1 = errno;
    printf("bad address %s errno=%s\n", s1 ? "started" : "NULL", e1 == EINVAL ? "EINVAL" : strerror(e1));
    errno = 0;
    struct zkrs_server *s2 = zkrs_server_start(NULL, 70000, NULL);
    int e2 = errno;
    printf("bad port %s errno=%s\n", s2 ? "started" : "NULL", e2 == EINVAL ? "EINVAL" : strerror(e2));
    errno = 0;
    struct zkrs_server *s3 = zkrs_server_start_config("/nonexistent/zoo.cfg");
    int e3 = errno;
    printf("missing cfg %s errno=%s\n", s3 ? "started" : "NULL", e3 == ENOENT ? "ENOENT" : strerror(e3));
    printf("port of NULL %d\n", zkrs_server_port(NULL));
    errno = 0;
    int r4 = zkrs_server_stop(NULL);
    int e4 = errno;
    printf("stop NULL %d errno=%s\n", r4, e4 == EINVAL ? "EINVAL" : strerror(e4));

    struct zkrs_server *srv = zkrs_server_start("127.0.0.1", 0, NULL);
    if (!srv) { printf("start failed: %s\n", strerror(errno)); return 1; }
    int port = zkrs_server_port(srv);
    printf("port valid %d\n", port > 0 && port < 65536);
    errno = 0;
    struct zkrs_server *busy = zkrs_server_start("127.0.0.1", port, NULL);
    int e5 = errno;
    printf("busy port %s errno=%s\n", busy ? "started" : "NULL", e5 == EADDRINUSE ? "EADDRINUSE" : strerror(e5));

    char hosts[64];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", port);
    zhandle_t *zh = zookeeper_init(hosts, watcher, 10000, 0, 0, 0);
    for (int i = 0; i < 500 && !connected; i++) usleep(10000);
    printf("connected %d\n", connected);
    char path[64];
    int rc = zoo_create(zh, "/embedded", "yes", 3, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof path);
    printf("create %d %s\n", rc, path);
    char buf[8];
    int len = sizeof buf;
    rc = zoo_get(zh, "/embedded", 0, buf, &len, NULL);
    printf("get %d %.*s\n", rc, len, buf);
    zookeeper_close(zh);
    printf("stop %d\n", zkrs_server_stop(srv));
    return 0;
}
