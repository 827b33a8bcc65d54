/* Bad arguments: prints "case: result" for every misuse of the API. The
 * first part runs with Apache's library too and the driver requires the
 * same output from both; the second part (--beyond-apache) covers misuse
 * that crashes Apache's library or is undefined there (NULL handles where
 * Apache dereferences them, negative lengths, calls after close), which
 * must give a clear error here. No server is needed: argument checks come
 * before any network traffic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper.h>
#include <zookeeper_log.h>

/* Exported by Apache's library without a declaration in its header. */
void zoo_create2_op_init(zoo_op_t *op, const char *path, const char *value, int valuelen,
                         const struct ACL_vector *acl, int mode, char *path_buffer,
                         int path_buffer_len);
int zoo_lock_auth(zhandle_t *zh);

#ifdef THREADED
/* Declared by zookeeper.h only without THREADED, but exported regardless. */
int zookeeper_interest(zhandle_t *zh, int *fd, int *interest, struct timeval *tv);
int zookeeper_process(zhandle_t *zh, int events);
#endif

#define SHOW(expr) printf("%s: %d\n", #expr, (int)(expr))

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh; (void)type; (void)state; (void)path; (void)ctx;
}

static void string_done(int rc, const char *v, const void *d) { (void)rc; (void)v; (void)d; }
static void void_done(int rc, const void *d) { (void)rc; (void)d; }
static void stat_done(int rc, const struct Stat *s, const void *d) { (void)rc; (void)s; (void)d; }
static void data_done(int rc, const char *v, int l, const struct Stat *s, const void *d) {
    (void)rc; (void)v; (void)l; (void)s; (void)d;
}
static void strings_done(int rc, const struct String_vector *v, const void *d) {
    (void)rc; (void)v; (void)d;
}
static void acl_done(int rc, struct ACL_vector *a, struct Stat *s, const void *d) {
    (void)rc; (void)a; (void)s; (void)d;
}

static const char *bad_paths[] = {"", "a", "/a/", "/a//b", "/a/./b", "/a/../b", "/a/.", "/a\001b", NULL};

static void common_cases(zhandle_t *zh) {
    char buf[16];
    int len = sizeof(buf);
    struct Stat st;
    struct String_vector sv;
    struct ACL_vector acl;
    zoo_op_t ops[2];
    zoo_op_result_t res[2];
    zhandle_t *none;
    int i;

    errno = 0;
    none = zookeeper_init(NULL, watcher, 1000, NULL, NULL, 0);
    printf("init NULL host: %s errno=%d\n", none ? "handle" : "NULL", errno);
    errno = 0;
    none = zookeeper_init("", watcher, 1000, NULL, NULL, 0);
    printf("init empty host: %s errno=%d\n", none ? "handle" : "NULL", errno);
    SHOW(zookeeper_close(NULL));
    SHOW(zoo_state(NULL));
    SHOW(zoo_acreate(NULL, "/x", "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL));
    SHOW(zoo_adelete(NULL, "/x", -1, void_done, NULL));
    SHOW(zoo_awexists(NULL, "/x", watcher, NULL, stat_done, NULL));
    SHOW(zoo_awget(NULL, "/x", watcher, NULL, data_done, NULL));
    SHOW(zoo_aset(NULL, "/x", "v", 1, -1, stat_done, NULL));
    SHOW(zoo_awget_children(NULL, "/x", watcher, NULL, strings_done, NULL));
    SHOW(zoo_async(NULL, "/x", string_done, NULL));
    SHOW(zoo_aget_acl(NULL, "/x", acl_done, NULL));
    SHOW(zoo_aset_acl(NULL, "/x", -1, &ZOO_OPEN_ACL_UNSAFE, void_done, NULL));
    SHOW(zoo_areconfig(NULL, NULL, NULL, NULL, -1, data_done, NULL));
    SHOW(zoo_add_auth(NULL, "digest", "a:b", 3, void_done, NULL));
    SHOW(zoo_add_auth(zh, NULL, "a:b", 3, void_done, NULL));
    SHOW(zoo_set_servers(zh, NULL));
    SHOW(zoo_set_servers_resolution_delay(zh, -2));
    SHOW(zoo_acreate(zh, NULL, "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL));
    SHOW(zoo_aexists(zh, NULL, 0, stat_done, NULL));
    for (i = 0; bad_paths[i]; i++) {
        const char *bp = bad_paths[i];
        printf("path %d\n", i);
        SHOW(zoo_acreate(zh, bp, "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL));
        SHOW(zoo_acreate2(zh, bp, "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, NULL));
        SHOW(zoo_adelete(zh, bp, -1, void_done, NULL));
        SHOW(zoo_aexists(zh, bp, 1, stat_done, NULL));
        SHOW(zoo_aget(zh, bp, 0, data_done, NULL));
        SHOW(zoo_aset(zh, bp, "v", 1, -1, stat_done, NULL));
        SHOW(zoo_aget_children(zh, bp, 0, strings_done, NULL));
        SHOW(zoo_aget_children2(zh, bp, 0, NULL, NULL));
        SHOW(zoo_async(zh, bp, string_done, NULL));
        SHOW(zoo_aget_acl(zh, bp, acl_done, NULL));
        SHOW(zoo_aset_acl(zh, bp, -1, &ZOO_OPEN_ACL_UNSAFE, void_done, NULL));
        SHOW(zoo_create(zh, bp, "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, buf, sizeof(buf)));
        SHOW(zoo_delete(zh, bp, -1));
        SHOW(zoo_exists(zh, bp, 0, &st));
        len = sizeof(buf);
        SHOW(zoo_get(zh, bp, 0, buf, &len, &st));
        SHOW(zoo_set(zh, bp, "v", 1, -1));
        SHOW(zoo_get_children(zh, bp, 0, &sv));
        SHOW(zoo_get_children2(zh, bp, 0, &sv, &st));
        SHOW(zoo_get_acl(zh, bp, &acl, &st));
        SHOW(zoo_set_acl(zh, bp, -1, &ZOO_OPEN_ACL_UNSAFE));
        SHOW(zoo_remove_watches(zh, bp, ZWATCHTYPE_ANY, watcher, NULL, 1));
        SHOW(zoo_aremove_all_watches(zh, bp, ZWATCHTYPE_ANY, 1, NULL, NULL));
    }
    /* A sequential create may end in '/'. */
    SHOW(zoo_acreate(zh, "/seq/", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, string_done, NULL));
    SHOW(zoo_acreate(zh, "/seq/", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, NULL));
    /* TTL rules. */
    SHOW(zoo_acreate_ttl(zh, "/t", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 0, NULL, NULL));
    SHOW(zoo_acreate_ttl(zh, "/t", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 0x10000000000LL, NULL, NULL));
    SHOW(zoo_acreate_ttl(zh, "/t", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, 5, NULL, NULL));
    SHOW(zoo_acreate2_ttl(zh, "/t", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL, -1, NULL, NULL));
    SHOW(zoo_create_ttl(zh, "/t", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 0, NULL, 0));
    /* The sync get needs its length pointer. */
    SHOW(zoo_get(zh, "/x", 0, buf, NULL, &st));
    SHOW(zoo_wget(zh, "/x", watcher, NULL, buf, NULL, &st));
    SHOW(zoo_getconfig(zh, 0, buf, NULL, &st));
    SHOW(zoo_reconfig(zh, NULL, NULL, NULL, -1, buf, NULL, &st));
    SHOW(zoo_remove_watches(zh, NULL, ZWATCHTYPE_ANY, watcher, NULL, 1));
    SHOW(zoo_remove_all_watches(zh, NULL, ZWATCHTYPE_ANY, 1));
    SHOW(zoo_remove_watches(zh, "/nowatch", ZWATCHTYPE_ANY, watcher, NULL, 1));
    /* Multi: a bad path fails the whole request; unknown op types and
     * create2 ops are not implemented by Apache's multi. */
    zoo_create_op_init(&ops[0], "/m", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_delete_op_init(&ops[1], "bad", -1);
    SHOW(zoo_amulti(zh, 2, ops, res, void_done, NULL));
    SHOW(zoo_multi(zh, 2, ops, res));
    ops[1].type = 99;
    SHOW(zoo_multi(zh, 2, ops, res));
    zoo_create2_op_init(&ops[1], "/m2", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    SHOW(zoo_multi(zh, 2, ops, res));
    /* Helpers and logging. */
    printf("zerror(12345): %s\n", zerror(12345));
    printf("zerror(ZBADARGUMENTS): %s\n", zerror(ZBADARGUMENTS));
    zoo_set_debug_level((ZooLogLevel)9);
    SHOW(logLevel);
    zoo_set_debug_level((ZooLogLevel)-3);
    SHOW(logLevel);
    zoo_set_debug_level((ZooLogLevel)0);
    SHOW(logLevel);
    SHOW(zoo_get_log_callback(NULL) == NULL);
    zoo_set_log_callback(NULL, NULL);
    zoo_set_context(NULL, NULL);
    memset(&sv, 0, sizeof(sv));
    SHOW(deallocate_String_vector(&sv));
    SHOW(allocate_ACL_vector(&acl, 0));
    SHOW(acl.data == NULL);
    SHOW(deallocate_ACL_vector(&acl));
    SHOW(zoo_htonll(1) == (int64_t)0x0100000000000000LL);
}

static void beyond_apache(zhandle_t *zh) {
    char buf[16];
    int len = sizeof(buf), fd, interest;
    struct timeval tv;
    struct Stat st;
    struct ACL_vector acl;
    struct ACL entry = {ZOO_PERM_ALL, {NULL, "anyone"}};
    zoo_op_t ops[1];
    zoo_op_result_t res[1];
    char *big = calloc(2 * 1024 * 1024, 1);
    zhandle_t *garbage = (zhandle_t *)0x1234;

    SHOW(zoo_exists(NULL, "/x", 1, &st));
    SHOW(zoo_aget(NULL, "/x", 1, data_done, NULL));
    SHOW(zoo_get(NULL, "/x", 0, buf, &len, &st));
    SHOW(is_unrecoverable(NULL));
    SHOW(zoo_recv_timeout(NULL));
    SHOW(zoo_client_id(NULL) == NULL);
    SHOW(zoo_get_context(NULL) == NULL);
    SHOW(zoo_set_watcher(NULL, watcher) == NULL);
    SHOW(zoo_get_current_server(NULL) != NULL);
    SHOW(zookeeper_get_connected_host(NULL, NULL, NULL) == NULL);
    SHOW(zoo_exists(garbage, "/x", 0, &st));
    SHOW(zookeeper_close(garbage));
    SHOW(zoo_lock_auth(NULL));
    /* Lengths. */
    len = -1;
    SHOW(zoo_get(zh, "/x", 0, buf, &len, &st));
    len = 10;
    SHOW(zoo_get(zh, "/x", 0, NULL, &len, &st));
    SHOW(zoo_acreate(zh, "/x", "v", -5, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL));
    SHOW(zoo_acreate(zh, "/x", NULL, 5, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, NULL));
    SHOW(zoo_aset(zh, "/x", big, 2 * 1024 * 1024, -1, stat_done, NULL));
    SHOW(zoo_set(zh, "/x", NULL, 3, -1));
    SHOW(zoo_create(zh, "/x", "v", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 10));
    SHOW(zoo_add_auth(zh, "digest", NULL, 5, NULL, NULL));
    acl.count = -1;
    acl.data = &entry;
    SHOW(zoo_acreate(zh, "/x", "v", 1, &acl, 0, string_done, NULL));
    acl.count = 1;
    acl.data = NULL;
    SHOW(zoo_acreate(zh, "/x", "v", 1, &acl, 0, string_done, NULL));
    acl.data = &entry;
    SHOW(zoo_acreate(zh, "/x", "v", 1, &acl, 0, string_done, NULL));
    SHOW(zoo_aset_acl(zh, "/x", -1, NULL, void_done, NULL));
    SHOW(zoo_set_acl(zh, "/x", -1, NULL));
    SHOW(zoo_multi(zh, -1, ops, res));
    SHOW(zoo_multi(zh, 1, NULL, res));
    SHOW(zoo_multi(zh, 1, ops, NULL));
    zoo_create_op_init(&ops[0], "/m", "v", -7, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    SHOW(zoo_multi(zh, 1, ops, res));
    SHOW(zoo_remove_watches(zh, "/x", (ZooWatcherType)7, watcher, NULL, 1));
    SHOW(allocate_String_vector(NULL, 3));
    SHOW(deallocate_String_vector(NULL));
    zoo_create_op_init(NULL, "/x", NULL, -1, NULL, 0, NULL, 0);
    SHOW(zookeeper_interest(NULL, &fd, &interest, &tv));
    SHOW(zookeeper_interest(zh, NULL, &interest, &tv));
    SHOW(zookeeper_process(NULL, 0));
    /* Calls after close. */
    SHOW(zookeeper_close(zh));
    SHOW(zookeeper_close(zh));
    SHOW(zoo_state(zh));
    SHOW(zoo_aget(zh, "/x", 0, data_done, NULL));
    SHOW(zoo_exists(zh, "/x", 0, &st));
    SHOW(zoo_multi(zh, 0, ops, res));
    SHOW(zoo_add_auth(zh, "digest", "a:b", 3, NULL, NULL));
    SHOW(zoo_set_servers(zh, "127.0.0.1:2"));
    SHOW(is_unrecoverable(zh));
    SHOW(zoo_client_id(zh) == NULL);
    SHOW(zookeeper_interest(zh, &fd, &interest, &tv));
    zoo_set_context(zh, NULL);
    zoo_cycle_next_server(zh);
    free(big);
}

int main(int argc, char **argv) {
    zhandle_t *zh;
    setvbuf(stdout, NULL, _IONBF, 0);
    zoo_set_debug_level((ZooLogLevel)0);
    /* Nothing listens on port 1: the handle stays disconnected. */
    zh = zookeeper_init("127.0.0.1:1", watcher, 10000, NULL, NULL, 0);
    if (!zh)
        return 2;
    common_cases(zh);
    if (argc > 1 && strcmp(argv[1], "--beyond-apache") == 0) {
        printf("== beyond apache\n");
        beyond_apache(zh);
    } else {
        zookeeper_close(zh);
    }
    return 0;
}
