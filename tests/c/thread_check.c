/* Shares handles between threads in every way the library allows, for
 * valgrind's thread checkers (helgrind, DRD): several threads issue
 * synchronous and asynchronous calls and set watches on one handle, the
 * connection is lost and comes back, a handle is closed from another thread
 * while calls are in flight, and handles are closed from inside a
 * completion and inside a watcher.
 *
 * Application data handed to the library (completion and watcher
 * contexts) is written by the submitting thread and read and freed by the
 * callback without any lock of the program's own: only the library's
 * hand-over orders those accesses, so a checker that cannot see it
 * reports them.
 *
 * usage: thread_check HOST:PORT ROOT
 * At "RESTART" it waits for a line on stdin (the driver cuts the
 * connection in between). Prints "done" at the end; CHECKs exit 1. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper.h>

#include "check.h"

#define WORKERS 4
#define ROUNDS 6
#define WAIT_MS 60000

static char hosts[256];
static char root[128];

static void say(const char *line) {
    printf("%s\n", line);
    fflush(stdout);
}

static void deadline(struct timespec *ts, int ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* ---- a count of finished callbacks that threads can wait on ---- */
struct tally {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int count;
};

#define TALLY_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0}

static void tally_add(struct tally *t) {
    pthread_mutex_lock(&t->lock);
    t->count++;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

static int tally_get(struct tally *t) {
    pthread_mutex_lock(&t->lock);
    int n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* Waits until at least n callbacks finished; 0 on timeout. */
static int tally_wait(struct tally *t, int n) {
    struct timespec ts;
    int ok = 1;
    deadline(&ts, WAIT_MS);
    pthread_mutex_lock(&t->lock);
    while (t->count < n && ok)
        ok = pthread_cond_timedwait(&t->cond, &t->lock, &ts) == 0;
    ok = t->count >= n;
    pthread_mutex_unlock(&t->lock);
    return ok;
}

/* ---- session states seen by the main handle's global watcher ---- */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond = PTHREAD_COND_INITIALIZER;
static int last_state;
static int connects; /* CONNECTED events so far */
static int losses;   /* CONNECTING events so far */

static void global_watcher(zhandle_t *zh, int type, int state, const char *path,
                           void *ctx) {
    (void)zh;
    (void)path;
    (void)ctx;
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&state_lock);
    last_state = state;
    if (state == ZOO_CONNECTED_STATE)
        connects++;
    if (state == ZOO_CONNECTING_STATE)
        losses++;
    pthread_cond_broadcast(&state_cond);
    pthread_mutex_unlock(&state_lock);
}

/* Waits for the n-th CONNECTED event; 0 on timeout. */
static int wait_connects(int n) {
    struct timespec ts;
    int ok = 1;
    deadline(&ts, WAIT_MS);
    pthread_mutex_lock(&state_lock);
    while (connects < n && ok)
        ok = pthread_cond_timedwait(&state_cond, &state_lock, &ts) == 0;
    ok = connects >= n;
    pthread_mutex_unlock(&state_lock);
    return ok;
}

static zhandle_t *zh;

/* ---- per-call contexts: written before the call, read in the callback ---- */
struct call {
    char path[160];
    int expected_rc;
    int serial;
};

static struct call *new_call(const char *path, int expected_rc, int serial) {
    struct call *c = malloc(sizeof *c);
    CHECK(c != NULL);
    snprintf(c->path, sizeof c->path, "%s", path);
    c->expected_rc = expected_rc;
    c->serial = serial;
    return c;
}

static struct tally async_done = TALLY_INIT;
static struct tally watches_fired = TALLY_INIT;

static void set_done(int rc, const struct Stat *stat, const void *data) {
    struct call *c = (struct call *)data;
    CHECK(rc == c->expected_rc);
    CHECK(stat != NULL && stat->dataLength == (int)strlen(c->path));
    free(c);
    tally_add(&async_done);
}

static void children_done(int rc, const struct String_vector *names,
                          const void *data) {
    struct call *c = (struct call *)data;
    CHECK(rc == ZOK && names != NULL);
    CHECK(c->serial >= 0);
    /* A synchronous call from inside a completion. */
    struct Stat st;
    int erc = zoo_exists(zh, c->path, 0, &st);
    CHECK(erc == ZOK || erc == ZNONODE);
    free(c);
    tally_add(&async_done);
}

static void exists_done(int rc, const struct Stat *stat, const void *data) {
    struct call *c = (struct call *)data;
    CHECK(rc == c->expected_rc);
    (void)stat;
    free(c);
    tally_add(&async_done);
}

static void delete_done(int rc, const void *data) {
    struct call *c = (struct call *)data;
    CHECK(rc == c->expected_rc);
    free(c);
    tally_add(&async_done);
}

static void data_watcher(zhandle_t *h, int type, int state, const char *path,
                         void *ctx) {
    struct call *c = (struct call *)ctx;
    CHECK(h == zh && state == ZOO_CONNECTED_STATE);
    CHECK(type == ZOO_CHANGED_EVENT && strcmp(path, c->path) == 0);
    free(c);
    tally_add(&watches_fired);
}

/* Each worker owns its nodes and drives them through every kind of call,
 * synchronous ones on its own thread and asynchronous ones whose
 * completions run on the library's callback thread. */
static void *worker(void *arg) {
    int id = (int)(long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        char path[160];
        char made[160];
        snprintf(path, sizeof path, "%s/w%d-%d", root, id, r);
        CHECK(zoo_create(zh, path, "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, made,
                         sizeof made) == ZOK);
        CHECK(strcmp(made, path) == 0);

        char buf[16];
        int len = sizeof buf;
        struct Stat st;
        struct call *w = new_call(path, 0, r);
        CHECK(zoo_wget(zh, path, data_watcher, w, buf, &len, &st) == ZOK);
        CHECK(len == 1 && buf[0] == 'x');

        /* Fires the watch, from an asynchronous call. */
        CHECK(zoo_aset(zh, path, path, (int)strlen(path), -1, set_done,
                       new_call(path, ZOK, r)) == ZOK);
        CHECK(zoo_aget_children(zh, root, 0, children_done,
                                new_call(path, ZOK, r)) == ZOK);
        CHECK(zoo_aexists(zh, path, 1, exists_done,
                          new_call(path, ZOK, r)) == ZOK);
        CHECK(zoo_adelete(zh, path, -1, delete_done,
                          new_call(path, ZOK, r)) == ZOK);
        CHECK(zoo_state(zh) == ZOO_CONNECTED_STATE);
        CHECK(zoo_client_id(zh)->client_id != 0);
    }
    return NULL;
}

/* ---- calls running while the connection is lost and comes back ---- */
static pthread_mutex_t busy_lock = PTHREAD_MUTEX_INITIALIZER;
static int busy_stop;
static struct tally busy_done = TALLY_INIT;

static void busy_exists_done(int rc, const struct Stat *stat, const void *data) {
    struct call *c = (struct call *)data;
    (void)stat;
    CHECK(rc == ZOK || rc == ZNONODE || rc == ZCONNECTIONLOSS);
    CHECK(c->serial >= 0);
    free(c);
    tally_add(&busy_done);
}

static int busy_should_stop(void) {
    pthread_mutex_lock(&busy_lock);
    int s = busy_stop;
    pthread_mutex_unlock(&busy_lock);
    return s;
}

static void *busy(void *arg) {
    int *issued = (int *)arg;
    int n = 0;
    while (!busy_should_stop()) {
        if (zoo_aexists(zh, root, 0, busy_exists_done, new_call(root, 0, n)) ==
            ZOK)
            n++;
        /* Also read what the I/O thread publishes. */
        (void)zoo_state(zh);
        (void)zoo_recv_timeout(zh);
        (void)zoo_get_current_server(zh);
        usleep(20000);
    }
    *issued = n;
    return NULL;
}

/* ---- closing while other threads use the handle ---- */
static struct tally closing_done = TALLY_INIT;

static void closing_get_done(int rc, const char *value, int len,
                             const struct Stat *stat, const void *data) {
    struct call *c = (struct call *)data;
    (void)value;
    (void)len;
    (void)stat;
    CHECK(rc == ZOK || rc == ZCLOSING);
    CHECK(c->serial >= 0);
    free(c);
    tally_add(&closing_done);
}

static void *closing_caller(void *arg) {
    int *issued = (int *)arg;
    int n = 0;
    /* Runs until the handle is gone: then calls fail with ZINVALIDSTATE. */
    for (;;) {
        int rc = zoo_aget(zh, root, 0, closing_get_done, new_call(root, 0, n));
        if (rc != ZOK) {
            CHECK(rc == ZINVALIDSTATE || rc == ZCLOSING);
            break;
        }
        n++;
        usleep(2000);
    }
    *issued = n;
    return NULL;
}

static void *closer(void *arg) {
    (void)arg;
    usleep(100000);
    CHECK(zookeeper_close(zh) == ZOK);
    return NULL;
}

/* ---- closing from inside callbacks ---- */
static struct tally closed_inside = TALLY_INIT;

static void close_in_completion(int rc, const struct Stat *stat,
                                const void *data) {
    (void)stat;
    CHECK(rc == ZOK);
    CHECK(zookeeper_close((zhandle_t *)data) == ZOK);
    tally_add(&closed_inside);
}

static void close_in_watcher(zhandle_t *h, int type, int state,
                             const char *path, void *ctx) {
    (void)path;
    (void)ctx;
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) {
        int rc = zookeeper_close(h);
        if (rc != ZOK)
            printf("close in watcher: %d (closed so far: %d)\n", rc,
                   tally_get(&closed_inside));
        CHECK(rc == ZOK);
        tally_add(&closed_inside);
    }
}

static struct tally other_connected = TALLY_INIT;

static void count_connected(zhandle_t *h, int type, int state, const char *path,
                            void *ctx) {
    (void)h;
    (void)path;
    (void)ctx;
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE)
        tally_add(&other_connected);
}

int main(int argc, char **argv) {
    CHECK(argc == 3);
    snprintf(hosts, sizeof hosts, "%s", argv[1]);
    snprintf(root, sizeof root, "%s", argv[2]);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);

    zh = zookeeper_init(hosts, global_watcher, 20000, NULL, NULL, 0);
    CHECK(zh != NULL);
    CHECK(wait_connects(1));
    int rc = zoo_create(zh, root, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CHECK(rc == ZOK || rc == ZNODEEXISTS);
    say("connected");

    pthread_t workers[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        CHECK(pthread_create(&workers[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < WORKERS; i++)
        CHECK(pthread_join(workers[i], NULL) == 0);
    CHECK(tally_wait(&async_done, WORKERS * ROUNDS * 4));
    CHECK(tally_wait(&watches_fired, WORKERS * ROUNDS));
    say("workers done");

    /* Connection loss and reconnection with calls in flight. */
    pthread_t busy_thread;
    int busy_issued = 0;
    CHECK(pthread_create(&busy_thread, NULL, busy, &busy_issued) == 0);
    usleep(100000);
    say("RESTART");
    char line[16];
    CHECK(fgets(line, sizeof line, stdin) != NULL);
    CHECK(wait_connects(2));
    pthread_mutex_lock(&state_lock);
    CHECK(losses >= 1);
    pthread_mutex_unlock(&state_lock);
    usleep(100000);
    pthread_mutex_lock(&busy_lock);
    busy_stop = 1;
    pthread_mutex_unlock(&busy_lock);
    CHECK(pthread_join(busy_thread, NULL) == 0);
    CHECK(tally_wait(&busy_done, busy_issued));
    struct Stat st;
    CHECK(zoo_exists(zh, root, 0, &st) == ZOK);
    say("reconnected");

    /* zookeeper_close on another thread while two threads keep calling. */
    pthread_t callers[2], closer_thread;
    int issued[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&callers[i], NULL, closing_caller, &issued[i]) ==
              0);
    CHECK(pthread_create(&closer_thread, NULL, closer, NULL) == 0);
    CHECK(pthread_join(closer_thread, NULL) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_join(callers[i], NULL) == 0);
    /* Every accepted call was completed before zookeeper_close returned. */
    CHECK(tally_get(&closing_done) == issued[0] + issued[1]);
    CHECK(issued[0] > 0 && issued[1] > 0);
    say("closed from another thread");

    /* zookeeper_close inside a completion, and inside a watcher. */
    zhandle_t *in_completion =
        zookeeper_init(hosts, count_connected, 20000, NULL, NULL, 0);
    CHECK(in_completion != NULL);
    CHECK(tally_wait(&other_connected, 1));
    CHECK(zoo_aexists(in_completion, root, 0, close_in_completion,
                      in_completion) == ZOK);
    zhandle_t *in_watcher =
        zookeeper_init(hosts, close_in_watcher, 20000, NULL, NULL, 0);
    CHECK(in_watcher != NULL);
    CHECK(tally_wait(&closed_inside, 2));
    CHECK(zoo_state(in_completion) == 0 && zoo_state(in_watcher) == 0);
    say("closed inside callbacks");
    /* The detached threads of handles closed inside their callbacks end on
     * their own; give them a moment so the checker sees them finish. */
    usleep(200000);
    say("done");
    return 0;
}
