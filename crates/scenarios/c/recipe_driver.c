/*
 * Drives the recipes from several threads for the scenario tests. Events go
 * to a log file as "<CLOCK_MONOTONIC ns> <pid> <thread> <event...>", one
 * write(2) per line on an O_APPEND descriptor, so lines from many processes
 * stay whole and the test can order them on one clock.
 *
 *   recipe_driver lock   HOSTS PATH THREADS ITERS LOG
 *   recipe_driver lock-hold HOSTS PATH LOG                  (QUEUED/HOLDING lines; holds until killed)
 *   recipe_driver rwlock HOSTS PATH THREADS ITERS LOG
 *   recipe_driver election HOSTS PATH THREADS HOLD_MS LOG   (HOLD_MS < 0: hold until killed)
 *   recipe_driver queue-put  HOSTS DIR TAG COUNT
 *   recipe_driver queue-take HOSTS DIR THREADS IDLE_MS LOG
 *   recipe_driver barrier HOSTS PATH COUNT THREADS LOG
 *   recipe_driver group-join  HOSTS GROUP MEMBER            (stays until killed)
 *   recipe_driver group-watch HOSTS GROUP                   (prints MEMBERS lines)
 *   recipe_driver config-watch HOSTS PATH                   (prints CONFIG lines)
 *   recipe_driver config-set HOSTS PATH COUNT
 *   recipe_driver name HOSTS PREFIX THREADS COUNT           (prints NAME lines)
 *   recipe_driver bad-args HOSTS                            (prints BAD-ARGS OK)
 *
 * Session timeout: $ZKR_SESSION_MS (default 4000).
 */
#define _GNU_SOURCE
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>
#include <zoo_lock.h>
#include <zkr/barrier.h>
#include <zkr/config.h>
#include <zkr/election.h>
#include <zkr/membership.h>
#include <zkr/naming.h>
#include <zkr/queue.h>
#include <zkr/rwlock.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

static const char *g_hosts;
static const char *g_path;
static int g_log = -1;
static int g_iters;
static int g_arg;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "recipe_driver[%ld]: ", (long)getpid());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void rec(const char *fmt, ...)
{
    struct timespec ts;
    char line[512];
    int n;
    va_list ap;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    n = snprintf(line, sizeof line, "%lld %ld %ld ", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
                 (long)getpid(), (long)syscall(SYS_gettid));
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    if (write(g_log, line, (size_t)n) != n)
        die("log write: %s", strerror(errno));
}

static void say(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&out_lock);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

static void open_log(const char *path)
{
    g_log = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (g_log < 0)
        die("open %s: %s", path, strerror(errno));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int to_int(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (end == s || *end != '\0')
        die("bad %s '%s'", what, s);
    return (int)v;
}

/* ---- sessions ---- */

struct conn {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state;
};

static void conn_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    struct conn *c = ctx;

    (void)zh;
    (void)path;
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&c->lock);
    c->state = state;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static zhandle_t *connect_zk(void)
{
    struct conn *c = calloc(1, sizeof *c);
    const char *t = getenv("ZKR_SESSION_MS");
    int timeout = t != NULL ? atoi(t) : 4000;
    struct timespec until;
    zhandle_t *zh;

    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    zh = zookeeper_init(g_hosts, conn_watcher, timeout, NULL, c, 0);
    if (zh == NULL)
        die("zookeeper_init: %s", strerror(errno));
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 15;
    pthread_mutex_lock(&c->lock);
    while (c->state != ZOO_CONNECTED_STATE) {
        if (pthread_cond_timedwait(&c->cond, &c->lock, &until) != 0)
            die("no session with %s", g_hosts);
    }
    pthread_mutex_unlock(&c->lock);
    return zh;
}

static void run_threads(int n, void *(*fn)(void *))
{
    pthread_t t[MAX_THREADS];
    long i;

    if (n < 1 || n > MAX_THREADS)
        die("threads must be 1..%d", MAX_THREADS);
    for (i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, fn, (void *)i) != 0)
            die("pthread_create");
    for (i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

/* ---- exclusive lock (Apache's zoo_lock API) ---- */

struct owner_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int acquired;
};

static void lock_done(int rc, void *cbdata)
{
    struct owner_wait *w = cbdata;

    pthread_mutex_lock(&w->lock);
    w->acquired = rc == 0;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void *lock_thread(void *arg)
{
    zhandle_t *zh = connect_zk();
    struct owner_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    zkr_lock_mutex_t m;
    unsigned seed = (unsigned)getpid() ^ (unsigned)(long)arg;
    int i;

    zkr_lock_init_cb(&m, zh, (char *)g_path, &ZOO_OPEN_ACL_UNSAFE, lock_done, &w);
    for (i = 0; i < g_iters; i++) {
        int tries;
        /* As with Apache's recipe, a zkr_lock_lock cut short by a
         * connection loss is simply called again. */
        for (tries = 0; !zkr_lock_lock(&m); tries++) {
            struct timespec until;
            int got;
            if (tries == 60)
                die("lock not acquired within 60 s");
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_mutex_lock(&w.lock);
            while (!w.acquired && pthread_cond_timedwait(&w.cond, &w.lock, &until) == 0)
                ;
            got = w.acquired;
            pthread_mutex_unlock(&w.lock);
            if (got)
                break;
        }
        if (!zkr_lock_isowner(&m))
            die("completion said acquired but not owner");
        rec("enter %s", m.id);
        sleep_ms(rand_r(&seed) % 3);
        rec("exit %s", m.id);
        for (tries = 0; zkr_lock_unlock(&m) != 0; tries++)
            if (tries == 30)
                die("unlock failed for 30 s");
            else
                sleep_ms(1000);
        if (w.acquired)
            die("release completion missing");
    }
    zkr_lock_destroy(&m);
    zookeeper_close(zh);
    return NULL;
}

static void lock_hold(void)
{
    zhandle_t *zh = connect_zk();
    struct owner_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    zkr_lock_mutex_t m;

    zkr_lock_init_cb(&m, zh, (char *)g_path, NULL, lock_done, &w);
    if (!zkr_lock_lock(&m)) {
        if (m.id == NULL)
            die("not queued for the lock");
        say("QUEUED %s", m.id);
        pthread_mutex_lock(&w.lock);
        while (!w.acquired)
            pthread_cond_wait(&w.cond, &w.lock);
        pthread_mutex_unlock(&w.lock);
    }
    rec("enter %s", m.id);
    say("HOLDING %s", m.id);
    for (;;)
        pause();
}

/* ---- read/write lock ---- */

static zhandle_t *g_shared;

static void *rwlock_thread(void *arg)
{
    zkr_rwlock_t *l;
    unsigned seed = (unsigned)getpid() * 31u + (unsigned)(long)arg;
    int i, rc;

    if (zkr_rwlock_init(g_shared, g_path, &l) != ZOK)
        die("rwlock init");
    for (i = 0; i < g_iters; i++) {
        int writer = rand_r(&seed) % 3 == 0;
        rc = writer ? zkr_rwlock_wrlock(l, 60000) : zkr_rwlock_rdlock(l, 60000);
        if (rc != ZOK)
            die("%s lock: %s", writer ? "write" : "read", zerror(rc));
        rec(writer ? "W+" : "R+");
        sleep_ms(1 + rand_r(&seed) % 3);
        rec(writer ? "W-" : "R-");
        if ((rc = zkr_rwlock_unlock(l)) != ZOK)
            die("unlock: %s", zerror(rc));
    }
    zkr_rwlock_destroy(l);
    return NULL;
}

/* ---- leader election ---- */

static void *election_thread(void *arg)
{
    zhandle_t *zh = connect_zk();
    zkr_election_t *e;
    char data[64];
    int rc;

    snprintf(data, sizeof data, "%ld-%ld", (long)getpid(), (long)arg);
    rc = zkr_election_join(zh, g_path, data, (int)strlen(data), NULL, NULL, &e);
    if (rc != ZOK)
        die("join: %s", zerror(rc));
    say("CANDIDATE %s %s", data, zkr_election_node(e));
    rc = zkr_election_wait(e, -1);
    if (rc != ZOK)
        die("wait: %s", zerror(rc));
    rec("lead+ %s", data);
    say("LEADER %s", data);
    if (g_arg < 0) {
        for (;;)
            pause();
    }
    sleep_ms(g_arg);
    rec("lead- %s", data);
    zkr_election_resign(e);
    zookeeper_close(zh);
    return NULL;
}

/* ---- queue ---- */

static void *take_thread(void *arg)
{
    char buf[256];
    int len, rc, n = 0;

    (void)arg;
    for (;;) {
        len = (int)sizeof buf - 1;
        rc = zkr_queue_take(g_shared, g_path, buf, &len, g_arg);
        if (rc == ZOPERATIONTIMEOUT)
            break;
        if (rc != ZOK)
            die("take: %s", zerror(rc));
        buf[len] = '\0';
        rec("take %s", buf);
        n++;
    }
    say("TOOK %d", n);
    return NULL;
}

/* ---- double barrier ---- */

static void *barrier_thread(void *arg)
{
    zhandle_t *zh = connect_zk();
    unsigned seed = (unsigned)getpid() * 7u + (unsigned)(long)arg;
    char name[64];
    int rc;

    snprintf(name, sizeof name, "m-%ld-%ld", (long)getpid(), (long)arg);
    sleep_ms(rand_r(&seed) % 300);
    rec("enter-start %s", name);
    if ((rc = zkr_barrier_enter(zh, g_path, name, g_arg, 30000)) != ZOK)
        die("enter: %s", zerror(rc));
    rec("entered %s", name);
    sleep_ms(rand_r(&seed) % 300);
    rec("leave-start %s", name);
    if ((rc = zkr_barrier_leave(zh, g_path, name, 30000)) != ZOK)
        die("leave: %s", zerror(rc));
    rec("left %s", name);
    zookeeper_close(zh);
    return NULL;
}

/* ---- naming ---- */

static void *name_thread(void *arg)
{
    char name[512];
    int64_t seq;
    int i, rc;

    (void)arg;
    for (i = 0; i < g_iters; i++) {
        rc = zkr_name_register(g_shared, g_path, NULL, 0, 0, name, (int)sizeof name, &seq);
        if (rc != ZOK)
            die("register: %s", zerror(rc));
        say("NAME %s %lld", name, (long long)seq);
    }
    return NULL;
}

/* ---- watchers ---- */

static void on_members(int rc, const struct String_vector *members, void *ctx)
{
    char line[4096];
    size_t n = 0;
    int i;

    (void)ctx;
    line[0] = '\0';
    for (i = 0; i < members->count && n < sizeof line - 256; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? "," : "", members->data[i]);
    say("MEMBERS rc=%d [%s]", rc, line);
}

static void on_config(const char *value, int len, int version, void *ctx)
{
    (void)ctx;
    say("CONFIG %d %.*s", version, value != NULL ? len : 0, value != NULL ? value : "");
}

/* ---- bad input ---- */

#define EXPECT(call, want)                                                                   \
    do {                                                                                     \
        int got_ = (call);                                                                   \
        if (got_ != (want))                                                                  \
            die("%s:%d: %s returned %d (%s), expected %s", __FILE__, __LINE__, #call, got_, \
                zerror(got_), #want);                                                        \
    } while (0)

static void bad_args(void)
{
    zhandle_t *zh = connect_zk();
    char base[128], p[256], buf[64], name[16];
    int len;
    zkr_election_t *e1, *e2;
    zkr_rwlock_t *r1, *r2;
    zkr_lock_mutex_t m;
    struct String_vector kids;

    snprintf(base, sizeof base, "/scenarios/bad-args-%ld", (long)getpid());

    EXPECT(zkr_election_join(zh, "relative", NULL, 0, NULL, NULL, &e1), ZBADARGUMENTS);
    snprintf(p, sizeof p, "%s/election", base);
    EXPECT(zkr_election_join(zh, p, "a", 1, NULL, NULL, &e1), ZOK);
    EXPECT(zkr_election_wait(e1, 1000), ZOK);
    EXPECT(zkr_election_join(zh, p, "b", 1, NULL, NULL, &e2), ZOK);
    EXPECT(zkr_election_wait(e2, 100), ZOPERATIONTIMEOUT);
    EXPECT(zkr_election_is_leader(e2), 0);
    len = (int)sizeof buf;
    EXPECT(zkr_election_leader(zh, p, buf, &len), ZOK);
    if (len != 1 || buf[0] != 'a')
        die("leader data '%.*s'", len, buf);
    EXPECT(zkr_election_resign(e1), ZOK);
    EXPECT(zkr_election_wait(e2, 5000), ZOK);
    EXPECT(zkr_election_resign(e2), ZOK);
    len = (int)sizeof buf;
    EXPECT(zkr_election_leader(zh, p, buf, &len), ZNONODE);

    snprintf(p, sizeof p, "%s/group", base);
    EXPECT(zkr_group_join(zh, p, "a/b", NULL, 0), ZBADARGUMENTS);
    EXPECT(zkr_group_join(zh, p, "", NULL, 0), ZBADARGUMENTS);
    EXPECT(zkr_group_leave(zh, p, "nobody"), ZNONODE);

    EXPECT(zkr_config_set(zh, "relative", "x", 1), ZBADARGUMENTS);
    EXPECT(zkr_config_set(zh, "/x", "x", ZKR_CONFIG_MAX + 1), ZBADARGUMENTS);

    snprintf(p, sizeof p, "%s/names/n-", base);
    EXPECT(zkr_name_register(zh, p, NULL, 0, 0, name, (int)sizeof name, NULL), ZBADARGUMENTS);

    snprintf(p, sizeof p, "%s/rw", base);
    EXPECT(zkr_rwlock_init(zh, "relative", &r1), ZBADARGUMENTS);
    EXPECT(zkr_rwlock_init(zh, p, &r1), ZOK);
    EXPECT(zkr_rwlock_init(zh, p, &r2), ZOK);
    EXPECT(zkr_rwlock_unlock(r1), ZBADARGUMENTS);
    EXPECT(zkr_rwlock_rdlock(r1, 1000), ZOK);
    EXPECT(zkr_rwlock_rdlock(r1, 1000), ZBADARGUMENTS);
    EXPECT(zkr_rwlock_rdlock(r2, 1000), ZOK); /* readers share */
    EXPECT(zkr_rwlock_unlock(r2), ZOK);
    EXPECT(zkr_rwlock_wrlock(r2, 200), ZOPERATIONTIMEOUT);
    EXPECT(zoo_get_children(zh, p, 0, &kids), ZOK);
    if (kids.count != 1)
        die("a timed-out write request left %d nodes, expected 1", kids.count);
    deallocate_String_vector(&kids);
    EXPECT(zkr_rwlock_unlock(r1), ZOK);
    EXPECT(zkr_rwlock_wrlock(r2, 1000), ZOK);
    zkr_rwlock_destroy(r2);
    zkr_rwlock_destroy(r1);

    snprintf(p, sizeof p, "%s/queue", base);
    len = (int)sizeof buf;
    EXPECT(zkr_queue_take(zh, "relative", buf, &len, 0), ZBADARGUMENTS);
    EXPECT(zkr_queue_take(zh, p, buf, &len, 0), ZOPERATIONTIMEOUT);
    EXPECT(zkr_queue_put(zh, p, "0123456789", 10), ZOK);
    len = 4;
    EXPECT(zkr_queue_take(zh, p, buf, &len, 0), ZBADARGUMENTS);
    len = (int)sizeof buf;
    EXPECT(zkr_queue_take(zh, p, buf, &len, 0), ZOK); /* still there */
    if (len != 10 || memcmp(buf, "0123456789", 10) != 0)
        die("queue item '%.*s'", len, buf);

    snprintf(p, sizeof p, "%s/barrier", base);
    EXPECT(zkr_barrier_enter(zh, p, ZKR_BARRIER_READY, 1, 0), ZBADARGUMENTS);
    EXPECT(zkr_barrier_enter(zh, p, "m", 0, 0), ZBADARGUMENTS);
    EXPECT(zkr_barrier_enter(zh, p, "m", 2, 100), ZOPERATIONTIMEOUT);
    EXPECT(zkr_barrier_leave(zh, p, "m", 1000), ZOK);

    snprintf(p, sizeof p, "%s/lock", base);
    zkr_lock_init(&m, zh, p, NULL);
    EXPECT(zkr_lock_unlock(&m), ZSYSTEMERROR);
    EXPECT(zkr_lock_lock(&m), 1);
    EXPECT(zkr_lock_lock(&m), 1); /* again: same node, still owner */
    if (strcmp(zkr_lock_getpath(&m), p) != 0 || zkr_lock_getid(&m) == NULL || strcmp(zkr_lock_getid(&m), m.id) != 0)
        die("lock path/id");
    EXPECT(zkr_lock_unlock(&m), 0);
    EXPECT(zkr_lock_isowner(&m), 0);
    zkr_lock_destroy(&m);

    zookeeper_close(zh);
    say("BAD-ARGS OK");
}

int main(int argc, char **argv)
{
    const char *cmd;

    if (argc < 3)
        die("usage: see the comment at the top of recipe_driver.c");
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    cmd = argv[1];
    g_hosts = argv[2];
    if (strcmp(cmd, "lock") == 0 && argc == 7) {
        g_path = argv[3];
        g_iters = to_int(argv[5], "iterations");
        open_log(argv[6]);
        run_threads(to_int(argv[4], "threads"), lock_thread);
    } else if (strcmp(cmd, "lock-hold") == 0 && argc == 5) {
        g_path = argv[3];
        open_log(argv[4]);
        lock_hold();
    } else if (strcmp(cmd, "rwlock") == 0 && argc == 7) {
        g_path = argv[3];
        g_iters = to_int(argv[5], "iterations");
        open_log(argv[6]);
        g_shared = connect_zk();
        run_threads(to_int(argv[4], "threads"), rwlock_thread);
        zookeeper_close(g_shared);
    } else if (strcmp(cmd, "election") == 0 && argc == 7) {
        g_path = argv[3];
        g_arg = to_int(argv[5], "hold time");
        open_log(argv[6]);
        run_threads(to_int(argv[4], "threads"), election_thread);
    } else if (strcmp(cmd, "queue-put") == 0 && argc == 6) {
        int i, n = to_int(argv[5], "count"), rc;
        char item[128];
        g_shared = connect_zk();
        for (i = 0; i < n; i++) {
            snprintf(item, sizeof item, "%s-%d", argv[4], i);
            if ((rc = zkr_queue_put(g_shared, argv[3], item, (int)strlen(item))) != ZOK)
                die("put: %s", zerror(rc));
        }
        zookeeper_close(g_shared);
    } else if (strcmp(cmd, "queue-take") == 0 && argc == 7) {
        g_path = argv[3];
        g_arg = to_int(argv[5], "idle time");
        open_log(argv[6]);
        g_shared = connect_zk();
        run_threads(to_int(argv[4], "threads"), take_thread);
        zookeeper_close(g_shared);
    } else if (strcmp(cmd, "barrier") == 0 && argc == 7) {
        g_path = argv[3];
        g_arg = to_int(argv[4], "count");
        open_log(argv[6]);
        run_threads(to_int(argv[5], "threads"), barrier_thread);
    } else if (strcmp(cmd, "group-join") == 0 && argc == 5) {
        int rc;
        g_shared = connect_zk();
        if ((rc = zkr_group_join(g_shared, argv[3], argv[4], "up", 2)) != ZOK)
            die("join: %s", zerror(rc));
        say("JOINED %s", argv[4]);
        for (;;)
            pause();
    } else if (strcmp(cmd, "group-watch") == 0 && argc == 4) {
        zkr_group_watch_t *w;
        int rc;
        g_shared = connect_zk();
        if ((rc = zkr_group_watch(g_shared, argv[3], on_members, NULL, &w)) != ZOK)
            die("watch: %s", zerror(rc));
        for (;;)
            pause();
    } else if (strcmp(cmd, "config-watch") == 0 && argc == 4) {
        zkr_config_watch_t *w;
        int rc;
        g_shared = connect_zk();
        if ((rc = zkr_config_watch(g_shared, argv[3], on_config, NULL, &w)) != ZOK)
            die("watch: %s", zerror(rc));
        for (;;)
            pause();
    } else if (strcmp(cmd, "config-set") == 0 && argc == 5) {
        int i, n = to_int(argv[4], "count"), rc;
        char v[32];
        g_shared = connect_zk();
        for (i = 1; i <= n; i++) {
            snprintf(v, sizeof v, "v%d", i);
            if ((rc = zkr_config_set(g_shared, argv[3], v, (int)strlen(v))) != ZOK)
                die("set: %s", zerror(rc));
        }
        zookeeper_close(g_shared);
    } else if (strcmp(cmd, "name") == 0 && argc == 6) {
        g_path = argv[3];
        g_iters = to_int(argv[5], "count");
        g_shared = connect_zk();
        run_threads(to_int(argv[4], "threads"), name_thread);
        zookeeper_close(g_shared);
    } else if (strcmp(cmd, "bad-args") == 0 && argc == 3) {
        bad_args();
    } else {
        die("unknown command or wrong arguments: %s", cmd);
    }
    return 0;
}
