#include "zkr_internal.h"
#include <zkr/election.h>

#include <stdlib.h>
#include <string.h>

#define NODE_PREFIX "n_"

struct zkr_election {
    zhandle_t *zh;
    char *path;
    char *node;             /* our node's name */
    zkr_election_fn fn;
    void *ctx;
    pthread_mutex_t lock;   /* serialises checks; guards the fields below */
    pthread_cond_t changed;
    int refs;               /* the owner, plus one per registered watch */
    int leader;
    int failed;             /* a ZooKeeper error code once the candidacy ended */
    int resigned;
    int watching;           /* a predecessor watch is registered */
};

static void unref(zkr_election_t *e)
{
    int last;

    pthread_mutex_lock(&e->lock);
    last = --e->refs == 0;
    pthread_mutex_unlock(&e->lock);
    if (last) {
        pthread_mutex_destroy(&e->lock);
        pthread_cond_destroy(&e->changed);
        free(e->path);
        free(e->node);
        free(e);
    }
}

static void predecessor_changed(zhandle_t *zh, int type, int state, const char *path, void *ctx);

/* Decides leadership; called with e->lock held. Returns 1 when it just
 * became the leader. */
static int check(zkr_election_t *e)
{
    struct String_vector kids = {0, NULL};
    int rc, i, mine;

    for (;;) {
        if (e->resigned || e->leader || e->failed)
            return 0;
        rc = zkr_children(e->zh, e->path, &kids);
        if (rc != ZOK) {
            if (!zkr_transient(rc))
                e->failed = rc;
            /* after a connection loss the pending watch (if any) or the
             * next call to zkr_election_wait tries again */
            return 0;
        }
        zkr_sort_by_sequence(&kids);
        mine = -1;
        for (i = 0; i < kids.count; i++)
            if (strcmp(kids.data[i], e->node) == 0)
                mine = i;
        if (mine < 0) {
            zkr_free_names(&kids);
            e->failed = ZNONODE;
            pthread_cond_broadcast(&e->changed);
            return 0;
        }
        if (mine == 0) {
            zkr_free_names(&kids);
            e->leader = 1;
            pthread_cond_broadcast(&e->changed);
            return 1;
        }
        char *pred = zkr_join(e->path, kids.data[mine - 1]);
        zkr_free_names(&kids);
        if (pred == NULL) {
            e->failed = ZSYSTEMERROR;
            return 0;
        }
        char byte;
        int len = 1;
        e->refs++;
        rc = zoo_wget(e->zh, pred, predecessor_changed, e, &byte, &len, NULL);
        free(pred);
        if (rc == ZOK) {
            e->watching = 1;
            return 0;
        }
        e->refs--; /* no watch was set */
        if (rc != ZNONODE) {
            if (!zkr_transient(rc))
                e->failed = rc;
            return 0;
        }
        /* the predecessor left in between: look again */
    }
}

static void notify(zkr_election_t *e, int became_leader)
{
    if (became_leader && e->fn != NULL)
        e->fn(e, e->ctx);
}

static void predecessor_changed(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    zkr_election_t *e = ctx;
    int became;

    (void)zh;
    (void)path;
    if (type == ZOO_SESSION_EVENT && state != ZOO_EXPIRED_SESSION_STATE)
        return; /* the watch stays registered */
    pthread_mutex_lock(&e->lock);
    e->watching = 0;
    if (type == ZOO_SESSION_EVENT) {
        e->failed = ZSESSIONEXPIRED;
        pthread_cond_broadcast(&e->changed);
        became = 0;
    } else {
        became = check(e);
    }
    pthread_mutex_unlock(&e->lock);
    notify(e, became);
    unref(e);
}

int zkr_election_join(zhandle_t *zh, const char *path, const char *data, int data_len,
                      zkr_election_fn fn, void *ctx, zkr_election_t **out)
{
    zkr_election_t *e;
    char made[512];
    int rc, became;

    if (zh == NULL || path == NULL || out == NULL || path[0] != '/')
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(zh, path);
    if (rc != ZOK)
        return rc;
    rc = zkr_create_ephemeral_seq(zh, path, NODE_PREFIX, data, data_len, made, (int)sizeof made);
    if (rc != ZOK)
        return rc;
    e = calloc(1, sizeof *e);
    if (e == NULL)
        return ZSYSTEMERROR;
    e->zh = zh;
    e->path = strdup(path);
    e->node = strdup(made);
    e->fn = fn;
    e->ctx = ctx;
    e->refs = 1;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->changed, NULL);
    pthread_mutex_lock(&e->lock);
    became = check(e);
    pthread_mutex_unlock(&e->lock);
    *out = e;
    notify(e, became);
    return ZOK;
}

int zkr_election_is_leader(zkr_election_t *e)
{
    int v;

    pthread_mutex_lock(&e->lock);
    v = e->leader;
    pthread_mutex_unlock(&e->lock);
    return v;
}

int zkr_election_wait(zkr_election_t *e, int timeout_ms)
{
    int64_t deadline = zkr_deadline(timeout_ms);
    int rc = ZOK, became = 0;

    pthread_mutex_lock(&e->lock);
    while (!e->leader && !e->failed) {
        int64_t now = zkr_now_ms();
        if (deadline >= 0 && now >= deadline) {
            rc = ZOPERATIONTIMEOUT;
            break;
        }
        /* A watch (if set) wakes us; recheck every second anyway in case a
         * connection loss left none. */
        struct timespec until;
        int64_t wake = now + 1000;
        if (deadline >= 0 && deadline < wake)
            wake = deadline;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t delta = wake - now;
        until.tv_sec += delta / 1000;
        until.tv_nsec += (delta % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&e->changed, &e->lock, &until) != 0 && !e->leader && !e->failed &&
            !e->watching)
            became = check(e) || became;
    }
    if (e->failed)
        rc = e->failed;
    pthread_mutex_unlock(&e->lock);
    notify(e, became);
    return rc;
}

const char *zkr_election_node(zkr_election_t *e)
{
    return e->node;
}

int zkr_election_resign(zkr_election_t *e)
{
    char *node;
    int rc;

    pthread_mutex_lock(&e->lock);
    e->resigned = 1;
    e->leader = 0;
    pthread_mutex_unlock(&e->lock);
    node = zkr_join(e->path, e->node);
    rc = node != NULL ? zkr_delete(e->zh, node, -1) : ZSYSTEMERROR;
    free(node);
    unref(e);
    return rc == ZNONODE ? ZOK : rc;
}

int zkr_election_leader(zhandle_t *zh, const char *path, char *buf, int *len)
{
    struct String_vector kids = {0, NULL};
    int rc, i;

    for (;;) {
        rc = zkr_children(zh, path, &kids);
        if (rc != ZOK)
            return rc;
        if (kids.count == 0) {
            zkr_free_names(&kids);
            return ZNONODE;
        }
        zkr_sort_by_sequence(&kids);
        for (i = 0; i < kids.count; i++) {
            char *p = zkr_join(path, kids.data[i]);
            int cap = *len;
            if (p == NULL) {
                zkr_free_names(&kids);
                return ZSYSTEMERROR;
            }
            rc = zkr_get(zh, p, buf, &cap, NULL);
            free(p);
            if (rc == ZOK) {
                *len = cap < 0 ? 0 : cap;
                zkr_free_names(&kids);
                return ZOK;
            }
            if (rc != ZNONODE) {
                zkr_free_names(&kids);
                return rc;
            }
        }
        zkr_free_names(&kids);
    }
}
