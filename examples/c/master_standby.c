/*
 * master_standby: master/standby switchover on a ZOO_EPHEMERAL node.
 *
 * Every instance of a service runs this loop: it tries to create the
 * ephemeral node /master/<service> holding its IP address. The one that
 * succeeds is the master; the others get ZNODEEXISTS and stand by. When the
 * master's session ends (crash: after the session timeout; clean exit: at
 * once, zookeeper_close deletes its ephemeral nodes) the node goes and a
 * standby takes over. Standbys retry every second and also keep an exists
 * watch on the node, so they try again the moment it is deleted.
 *
 *   master_standby [-l zk_log_file] [-L error|warn|info|debug] [-d drain_ms]
 *                  <hosts> <service> [session_timeout_ms]
 *
 * Status lines on stdout, one per change, e.g.
 *   2026-01-01T10:00:00.123Z [4242] MASTER service=billing ip=10.0.0.5 session=0x1000a2b3c0001
 * SIGTERM or SIGINT closes the session, which hands the node over at once.
 *
 * Builds against any libzookeeper_mt with the Apache 3.x C API:
 *   cc -I/usr/include/zookeeper master_standby.c -lzookeeper_mt -lpthread
 */
#define _GNU_SOURCE
#ifndef THREADED
#define THREADED /* the synchronous API of libzookeeper_mt */
#endif
#include <zookeeper.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MASTER_ROOT "/master"

struct app {
    const char *hosts;
    char path[512];
    char ip[INET_ADDRSTRLEN];
    int session_timeout;
    int drain_ms;

    pthread_mutex_t lock;
    pthread_cond_t wake;
    zhandle_t *zh;
    clientid_t saved_id;  /* the session of the last zookeeper_init */
    int have_saved_id;
    int resuming;         /* the current handle was created with saved_id */
    int connected;        /* ZOO_SESSION_EVENT + ZOO_CONNECTED_STATE seen */
    int expired;          /* ZOO_EXPIRED_SESSION_STATE seen on the current handle */
    int node_gone;        /* the exists watch reported a deletion */
    int watch_armed;      /* an exists watch is registered on the node */
    int stopping;
    int is_master;
};

static void status(const char *fmt, ...)
{
    struct timeval tv;
    struct tm tm;
    char stamp[32];
    char msg[768];
    va_list ap;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One write per line so that several instances sharing a terminal or a
     * pipe never interleave within a line. */
    printf("%s.%03ldZ [%ld] %s\n", stamp, (long)(tv.tv_usec / 1000), (long)getpid(), msg);
    fflush(stdout);
}

static void local_ip(char *out, size_t len)
{
    struct ifaddrs *ifs = NULL, *i;

    snprintf(out, len, "127.0.0.1");
    if (getifaddrs(&ifs) != 0)
        return;
    for (i = ifs; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
            continue;
        if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0)
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out, (socklen_t)len);
        break;
    }
    freeifaddrs(ifs);
}

/* Runs on the client library's event thread: record what happened and wake
 * the main loop, which does all the ZooKeeper calls. */
static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    struct app *a = ctx;

    pthread_mutex_lock(&a->lock);
    if (zh != a->zh) {
        /* an event of a handle already replaced */
        pthread_mutex_unlock(&a->lock);
        return;
    }
    if (type == ZOO_SESSION_EVENT) {
        if (state == ZOO_CONNECTED_STATE) {
            if (!a->connected) {
                const clientid_t *id = zoo_client_id(zh);
                a->saved_id = *id;
                a->have_saved_id = 1;
                a->connected = 1;
                status("CONNECTED session=0x%llx timeout=%dms", (unsigned long long)id->client_id,
                       zoo_recv_timeout(zh));
            }
        } else if (state == ZOO_EXPIRED_SESSION_STATE) {
            a->connected = 0;
            a->expired = 1;
        } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
            if (a->connected)
                status("DISCONNECTED%s (the session lives until it times out)",
                       a->is_master ? ", still MASTER" : "");
            a->connected = 0;
        }
    } else if (path != NULL && strcmp(path, a->path) == 0) {
        /* one-shot watch: it is gone once it fired */
        a->watch_armed = 0;
        if (type == ZOO_DELETED_EVENT)
            a->node_gone = 1;
    }
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

/* `ms` milliseconds from now on `clock`. */
static struct timespec in_ms(clockid_t clock, long ms)
{
    struct timespec t;

    clock_gettime(clock, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Waits on the condition until `ms` passed or something happened. */
static void wait_ms(struct app *a, long ms)
{
    struct timespec until = in_ms(CLOCK_REALTIME, ms);

    pthread_cond_timedwait(&a->wake, &a->lock, &until);
}

/* Sleeps `ms` unless a stop signal comes first; returns 1 when stopping. */
static int sleep_unless_stopped(struct app *a, long ms)
{
    struct timespec now, end = in_ms(CLOCK_MONOTONIC, ms);
    int stopping;

    pthread_mutex_lock(&a->lock);
    for (;;) {
        long left;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = (end.tv_sec - now.tv_sec) * 1000L + (end.tv_nsec - now.tv_nsec) / 1000000L;
        if (a->stopping || left <= 0)
            break;
        wait_ms(a, left);
    }
    stopping = a->stopping != 0;
    pthread_mutex_unlock(&a->lock);
    return stopping;
}

/* Called with a->lock held. */
static int init_session(struct app *a)
{
    const clientid_t *id = a->have_saved_id ? &a->saved_id : NULL;
    zhandle_t *zh;

    a->connected = 0;
    a->expired = 0;
    a->watch_armed = 0;
    a->node_gone = 0;
    /* The handle is published before its first event can be delivered:
     * the watcher takes a->lock, which is held here. */
    a->resuming = id != NULL;
    zh = zookeeper_init(a->hosts, watcher, a->session_timeout, id, a, 0);
    if (zh == NULL) {
        status("ERROR zookeeper_init(%s) failed: %s", a->hosts, strerror(errno));
        return -1;
    }
    a->zh = zh;
    if (id != NULL)
        status("REINIT resuming session=0x%llx", (unsigned long long)id->client_id);
    return 0;
}

static void close_session(struct app *a)
{
    zhandle_t *zh = a->zh;

    a->zh = NULL;
    a->connected = 0;
    if (zh != NULL) {
        /* zookeeper_close joins the library's threads, whose watcher takes
         * a->lock: never hold it here. */
        pthread_mutex_unlock(&a->lock);
        zookeeper_close(zh);
        pthread_mutex_lock(&a->lock);
    }
}

static void step_down(struct app *a, const char *why)
{
    if (a->is_master) {
        a->is_master = 0;
        status("STANDBY service=%s (was master: %s)", a->path + sizeof MASTER_ROOT, why);
    }
}

/* Did this session create the node (e.g. a create whose answer was lost)? */
static int node_is_ours(struct app *a, zhandle_t *zh)
{
    struct Stat st;

    if (zoo_exists(zh, a->path, 0, &st) != ZOK)
        return 0;
    return st.ephemeralOwner == zoo_client_id(zh)->client_id;
}

/* One attempt to become master. Called without a->lock. */
static void try_master(struct app *a, zhandle_t *zh, int *standby_logged)
{
    int rc;
    char current[64];
    int len = sizeof current - 1;
    struct Stat st;

    rc = zoo_create(zh, a->path, a->ip, (int)strlen(a->ip) + 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL,
                    NULL, 0);
    if (rc == ZNODEEXISTS && node_is_ours(a, zh))
        rc = ZOK;
    if (rc == ZOK) {
        pthread_mutex_lock(&a->lock);
        a->is_master = 1;
        pthread_mutex_unlock(&a->lock);
        status("MASTER service=%s ip=%s session=0x%llx", a->path + sizeof MASTER_ROOT, a->ip,
               (unsigned long long)zoo_client_id(zh)->client_id);
        if (a->drain_ms > 0) {
            /* let the previous master finish what it was doing */
            status("DRAINING %d ms before taking work", a->drain_ms);
            if (sleep_unless_stopped(a, a->drain_ms))
                return; /* stopping: hand over without starting */
        }
        status("WORKING service=%s", a->path + sizeof MASTER_ROOT);
        *standby_logged = 0;
        return;
    }
    if (rc != ZNODEEXISTS) {
        if (!*standby_logged)
            status("STANDBY service=%s (create: %s)", a->path + sizeof MASTER_ROOT, zerror(rc));
        *standby_logged = 1;
        return;
    }
    /* Stand by, watching the node so a deletion wakes us at once. */
    pthread_mutex_lock(&a->lock);
    int arm = !a->watch_armed;
    a->watch_armed = 1;
    pthread_mutex_unlock(&a->lock);
    current[0] = '\0';
    if (arm) {
        rc = zoo_wexists(zh, a->path, watcher, a, &st);
        if (rc != ZOK) {
            pthread_mutex_lock(&a->lock);
            a->watch_armed = 0;
            if (rc == ZNONODE)
                a->node_gone = 1; /* deleted in between: the exists watch stays for its creation */
            pthread_mutex_unlock(&a->lock);
        }
    }
    if (!*standby_logged) {
        if (zoo_get(zh, a->path, 0, current, &len, NULL) == ZOK && len > 0)
            current[len] = '\0';
        status("STANDBY service=%s master=%s", a->path + sizeof MASTER_ROOT,
               current[0] ? current : "?");
        *standby_logged = 1;
    }
}

static void *signal_thread(void *arg)
{
    struct app *a = arg;
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigwait(&set, &sig);
    pthread_mutex_lock(&a->lock);
    a->stopping = sig;
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [-l zk_log_file] [-L error|warn|info|debug] [-d drain_ms] <hosts> <service> "
            "[session_timeout_ms]\n",
            prog);
}

static int parse_level(const char *s, ZooLogLevel *out)
{
    static const struct { const char *name; ZooLogLevel level; } levels[] = {
        {"error", ZOO_LOG_LEVEL_ERROR},
        {"warn", ZOO_LOG_LEVEL_WARN},
        {"info", ZOO_LOG_LEVEL_INFO},
        {"debug", ZOO_LOG_LEVEL_DEBUG},
    };
    size_t i;

    for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcmp(s, levels[i].name) == 0) {
            *out = levels[i].level;
            return 0;
        }
    }
    return -1;
}

static int parse_ms(const char *s, int min, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > 3600000)
        return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    static struct app a;
    const char *log_path = NULL;
    ZooLogLevel level = ZOO_LOG_LEVEL_WARN;
    FILE *zk_log = NULL;
    sigset_t set;
    pthread_t sig_tid;
    int opt, rc;
    int standby_logged = 0;

    a.session_timeout = 4000;
    a.drain_ms = 1000;
    while ((opt = getopt(argc, argv, "l:L:d:h")) != -1) {
        switch (opt) {
        case 'l':
            log_path = optarg;
            break;
        case 'L':
            if (parse_level(optarg, &level) != 0) {
                fprintf(stderr, "bad log level '%s'\n", optarg);
                return 2;
            }
            break;
        case 'd':
            if (parse_ms(optarg, 0, &a.drain_ms) != 0) {
                fprintf(stderr, "bad drain time '%s' (milliseconds, 0..3600000)\n", optarg);
                return 2;
            }
            break;
        default:
            usage(argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (argc - optind < 2 || argc - optind > 3) {
        usage(argv[0]);
        return 2;
    }
    a.hosts = argv[optind];
    if (argv[optind + 1][0] == '\0' || strchr(argv[optind + 1], '/') != NULL ||
        strlen(argv[optind + 1]) > 256) {
        fprintf(stderr, "bad service name '%s' (1-256 characters, no '/')\n", argv[optind + 1]);
        return 2;
    }
    snprintf(a.path, sizeof a.path, "%s/%s", MASTER_ROOT, argv[optind + 1]);
    if (argc - optind == 3 && parse_ms(argv[optind + 2], 1, &a.session_timeout) != 0) {
        fprintf(stderr, "bad session timeout '%s' (milliseconds)\n", argv[optind + 2]);
        return 2;
    }
    local_ip(a.ip, sizeof a.ip);

    /* The host program owns the library's logging. */
    if (log_path != NULL) {
        zk_log = fopen(log_path, "a");
        if (zk_log == NULL) {
            fprintf(stderr, "cannot open %s: %s\n", log_path, strerror(errno));
            return 2;
        }
        setvbuf(zk_log, NULL, _IOLBF, 0);
        zoo_set_log_stream(zk_log);
    }
    zoo_set_debug_level(level);

    /* Block the stop signals before any thread exists so that only the
     * signal thread receives them. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_init(&a.lock, NULL);
    pthread_cond_init(&a.wake, NULL);
    if (pthread_create(&sig_tid, NULL, signal_thread, &a) != 0) {
        fprintf(stderr, "cannot start the signal thread\n");
        return 1;
    }

    status("STARTING service=%s hosts=%s session_timeout=%dms ip=%s", argv[optind + 1], a.hosts,
           a.session_timeout, a.ip);
    pthread_mutex_lock(&a.lock);
    if (init_session(&a) != 0) {
        pthread_mutex_unlock(&a.lock);
        return 1;
    }
    while (!a.stopping) {
        if (a.expired) {
            a.expired = 0;
            status("EXPIRED session=0x%llx", (unsigned long long)a.saved_id.client_id);
            step_down(&a, "session expired");
            standby_logged = 0;
            close_session(&a);
            if (a.stopping)
                break;
            /* Re-init with the previous client id first. If that handle
             * expires too, the server has dropped the session for good and
             * the next round starts a fresh one. */
            if (a.resuming)
                a.have_saved_id = 0;
            continue;
        }
        if (a.zh == NULL) {
            if (init_session(&a) != 0)
                wait_ms(&a, 1000); /* e.g. out of memory or threads: retry */
            continue;
        }
        if (a.connected) {
            zhandle_t *zh = a.zh;
            int master = a.is_master;
            pthread_mutex_unlock(&a.lock);
            if (!master) {
                rc = zoo_create(zh, MASTER_ROOT, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
                (void)rc; /* ZNODEEXISTS is the usual answer */
                try_master(&a, zh, &standby_logged);
            } else if (!node_is_ours(&a, zh)) {
                /* deleted by hand, or the session was replaced: the node is not ours any more */
                pthread_mutex_lock(&a.lock);
                step_down(&a, "node lost");
                pthread_mutex_unlock(&a.lock);
                standby_logged = 0;
            }
            pthread_mutex_lock(&a.lock);
        }
        if (a.stopping || a.expired)
            continue;
        if (a.node_gone && a.connected && !a.is_master) {
            a.node_gone = 0;
            continue; /* try at once */
        }
        wait_ms(&a, 1000);
        if (a.node_gone && !a.is_master) {
            a.node_gone = 0;
            standby_logged = 0;
            status("NODE GONE service=%s, trying to take over", a.path + sizeof MASTER_ROOT);
        }
    }
    status("STOPPING on signal %d%s", a.stopping, a.is_master ? ": handing over mastership" : "");
    close_session(&a);
    a.is_master = 0;
    pthread_mutex_unlock(&a.lock);
    status("STOPPED");
    if (zk_log != NULL) {
        zoo_set_log_stream(NULL);
        fclose(zk_log);
    }
    return 0;
}
