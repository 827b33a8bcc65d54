#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "zkr_internal.h"
#include <zoo_lock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often a call is retried after a connection loss, and the pause. */
#define RETRIES 3
#define RETRY_PAUSE_NS 50000000L

/* Live mutexes. A predecessor watch may fire after its mutex was destroyed
 * (the struct belongs to the caller): the watcher acts only on mutexes
 * still listed here. Recursive, because a completion run from the watcher
 * may unlock or destroy its own mutex. */
static pthread_mutex_t live_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static zkr_lock_mutex_t **live;
static size_t live_len, live_cap;

static void live_add(zkr_lock_mutex_t *m)
{
    pthread_mutex_lock(&live_lock);
    if (live_len == live_cap) {
        size_t cap = live_cap ? live_cap * 2 : 16;
        zkr_lock_mutex_t **n = realloc(live, cap * sizeof *n);
        if (n == NULL) {
            pthread_mutex_unlock(&live_lock);
            return;
        }
        live = n;
        live_cap = cap;
    }
    live[live_len++] = m;
    pthread_mutex_unlock(&live_lock);
}

static void live_remove(zkr_lock_mutex_t *m)
{
    size_t i;

    pthread_mutex_lock(&live_lock);
    for (i = 0; i < live_len; i++) {
        if (live[i] == m) {
            live[i] = live[--live_len];
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

static int live_has(zkr_lock_mutex_t *m)
{
    size_t i;

    for (i = 0; i < live_len; i++)
        if (live[i] == m)
            return 1;
    return 0;
}

static void pause_briefly(void)
{
    struct timespec ts = {0, RETRY_PAUSE_NS};
    nanosleep(&ts, NULL);
}

static struct ACL_vector *acl_of(zkr_lock_mutex_t *m)
{
    return m->acl != NULL ? m->acl : &ZOO_OPEN_ACL_UNSAFE;
}


/* Sequence order of the names "x-<session>-<seq>": by the part after the
 * last '-', as every contender (including Apache's recipe) sorts them. */
static const char *suffix(const char *name)
{
    const char *d = strrchr(name, '-');
    return d != NULL ? d + 1 : name;
}

static int by_suffix(const void *a, const void *b)
{
    return strcmp(suffix(*(char *const *)a), suffix(*(char *const *)b));
}

static void watch_fired(zhandle_t *zh, int type, int state, const char *path, void *ctx);

/* Enters the queue if needed and checks ownership; with m->pmutex held.
 * Sets *acquired when this call made the mutex the owner. */
static int lock_step(zkr_lock_mutex_t *m, int *acquired)
{
    zhandle_t *zh = m->zh;
    struct String_vector kids;
    char prefix[40];
    int rc, i;

    *acquired = 0;
    snprintf(prefix, sizeof prefix, "x-%016llx-", (unsigned long long)zoo_client_id(zh)->client_id);
    for (;;) {
        rc = zkr_children(zh, m->path, &kids);
        if (rc != ZOK)
            return rc;
        if (m->id == NULL) {
            /* after a lost create answer our node may already exist */
            for (i = 0; i < kids.count; i++) {
                if (strncmp(kids.data[i], prefix, strlen(prefix)) == 0) {
                    m->id = strdup(kids.data[i]);
                    break;
                }
            }
        }
        if (m->id == NULL) {
            char *want = zkr_join(m->path, prefix);
            size_t cap = strlen(m->path) + strlen(prefix) + 16;
            char *made = malloc(cap);
            zkr_free_names(&kids);
            if (want == NULL || made == NULL) {
                free(want);
                free(made);
                return ZSYSTEMERROR;
            }
            /* never retried: a second create could leave two nodes */
            rc = zoo_create(zh, want, NULL, -1, acl_of(m), ZOO_EPHEMERAL | ZOO_SEQUENCE, made, (int)cap);
            free(want);
            if (rc == ZOK)
                m->id = strdup(strrchr(made, '/') + 1);
            free(made);
            if (rc != ZOK)
                return rc;
            continue; /* list again, now including our node */
        }
        qsort(kids.data, (size_t)kids.count, sizeof(char *), by_suffix);
        int mine = -1;
        for (i = 0; i < kids.count; i++) {
            if (strcmp(kids.data[i], m->id) == 0) {
                mine = i;
                break;
            }
        }
        if (mine < 0) {
            /* our node is gone (session expired or deleted by hand) */
            zkr_free_names(&kids);
            free(m->id);
            m->id = NULL;
            m->isOwner = 0;
            return ZNONODE;
        }
        free(m->ownerid);
        m->ownerid = strdup(kids.data[0]);
        if (mine == 0) {
            zkr_free_names(&kids);
            if (!m->isOwner)
                *acquired = 1;
            m->isOwner = 1;
            return ZOK;
        }
        m->isOwner = 0;
        char *pred = zkr_join(m->path, kids.data[mine - 1]);
        zkr_free_names(&kids);
        if (pred == NULL)
            return ZSYSTEMERROR;
        char byte;
        int len;
        int64_t start = zkr_now_ms();
        do {
            len = 1;
            rc = zoo_wget(zh, pred, watch_fired, m, &byte, &len, NULL);
        } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
        free(pred);
        if (rc == ZNONODE)
            continue; /* the predecessor left meanwhile: look again */
        return rc;
    }
}

static void run_lock(zkr_lock_mutex_t *m, int only_if_queued)
{
    int acquired = 0;
    int i, rc = ZOK;
    zkr_lock_completion done;
    void *cbdata;

    pthread_mutex_lock(&m->pmutex);
    if (only_if_queued && m->id == NULL) {
        /* unlocked while this watch was pending */
        pthread_mutex_unlock(&m->pmutex);
        return;
    }
    if (!only_if_queued) {
        rc = zkr_mkdirs(m->zh, m->path);
        if (rc != ZOK && rc != ZCONNECTIONLOSS) {
            pthread_mutex_unlock(&m->pmutex);
            return;
        }
    }
    for (i = 0; i < RETRIES + 1; i++) {
        rc = lock_step(m, &acquired);
        if (rc == ZOK || rc == ZNONODE || rc == ZNOAUTH || rc == ZINVALIDSTATE || rc == ZSESSIONEXPIRED)
            break;
        pause_briefly();
    }
    done = m->completion;
    cbdata = m->cbdata;
    pthread_mutex_unlock(&m->pmutex);
    /* outside pmutex, so the completion may call unlock */
    if (acquired && done != NULL)
        done(0, cbdata);
}

static void watch_fired(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    zkr_lock_mutex_t *m = ctx;

    (void)zh;
    (void)state;
    (void)path;
    if (type == ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&live_lock);
    if (live_has(m))
        run_lock(m, 1);
    pthread_mutex_unlock(&live_lock);
}

int zkr_lock_init_cb(zkr_lock_mutex_t *mutex, zhandle_t *zh, char *path, struct ACL_vector *acl,
                     zkr_lock_completion completion, void *cbdata)
{
    mutex->zh = zh;
    mutex->path = path;
    mutex->acl = acl;
    mutex->id = NULL;
    mutex->ownerid = NULL;
    mutex->isOwner = 0;
    mutex->completion = completion;
    mutex->cbdata = cbdata;
    pthread_mutex_init(&mutex->pmutex, NULL);
    live_add(mutex);
    return 0;
}

int zkr_lock_init(zkr_lock_mutex_t *mutex, zhandle_t *zh, char *path, struct ACL_vector *acl)
{
    return zkr_lock_init_cb(mutex, zh, path, acl, NULL, NULL);
}

int zkr_lock_lock(zkr_lock_mutex_t *mutex)
{
    run_lock(mutex, 0);
    return zkr_lock_isowner(mutex);
}

int zkr_lock_unlock(zkr_lock_mutex_t *mutex)
{
    int rc;
    char *node;
    zkr_lock_completion done;
    void *cbdata;

    pthread_mutex_lock(&mutex->pmutex);
    if (mutex->id == NULL) {
        pthread_mutex_unlock(&mutex->pmutex);
        return ZSYSTEMERROR;
    }
    node = zkr_join(mutex->path, mutex->id);
    if (node == NULL) {
        pthread_mutex_unlock(&mutex->pmutex);
        return ZSYSTEMERROR;
    }
    rc = zkr_delete(mutex->zh, node, -1);
    free(node);
    if (rc != ZOK && rc != ZNONODE) {
        pthread_mutex_unlock(&mutex->pmutex);
        return ZCONNECTIONLOSS;
    }
    free(mutex->id);
    mutex->id = NULL;
    mutex->isOwner = 0;
    done = mutex->completion;
    cbdata = mutex->cbdata;
    pthread_mutex_unlock(&mutex->pmutex);
    if (done != NULL)
        done(1, cbdata);
    return 0;
}

void zkr_lock_setcallback(zkr_lock_mutex_t *mutex, zkr_lock_completion completion)
{
    pthread_mutex_lock(&mutex->pmutex);
    mutex->completion = completion;
    pthread_mutex_unlock(&mutex->pmutex);
}

zkr_lock_completion zkr_lock_getcallback(zkr_lock_mutex_t *mutex)
{
    return mutex->completion;
}

int zkr_lock_destroy(zkr_lock_mutex_t *mutex)
{
    /* after this no pending watch reaches the struct */
    live_remove(mutex);
    pthread_mutex_lock(&live_lock);
    pthread_mutex_unlock(&live_lock);
    free(mutex->id);
    free(mutex->ownerid);
    mutex->id = NULL;
    mutex->ownerid = NULL;
    mutex->path = NULL;
    mutex->acl = NULL;
    mutex->completion = NULL;
    mutex->isOwner = 0;
    pthread_mutex_destroy(&mutex->pmutex);
    return 0;
}

char *zkr_lock_getpath(zkr_lock_mutex_t *mutex)
{
    return mutex->path;
}

int zkr_lock_isowner(zkr_lock_mutex_t *mutex)
{
    int owner;

    pthread_mutex_lock(&mutex->pmutex);
    owner = mutex->id != NULL && mutex->ownerid != NULL && strcmp(mutex->id, mutex->ownerid) == 0;
    pthread_mutex_unlock(&mutex->pmutex);
    return owner;
}

char *zkr_lock_getid(zkr_lock_mutex_t *mutex)
{
    return mutex->ownerid;
}
