#include "zkr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *zkr_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int zkr_mkdirs(zhandle_t *zh, const char *path)
{
    char *buf;
    char *slash;
    int rc = ZOK;

    if (path == NULL || path[0] != '/')
        return ZBADARGUMENTS;
    if (strcmp(path, "/") == 0)
        return ZOK;
    /* the common case: it is already there */
    if (zkr_exists(zh, path, NULL) == ZOK)
        return ZOK;
    buf = strdup(path);
    if (buf == NULL)
        return ZSYSTEMERROR;
    for (slash = strchr(buf + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL)
            *slash = '\0';
        int64_t start = zkr_now_ms();
        do {
            rc = zoo_create(zh, buf, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
        if (rc == ZNODEEXISTS)
            rc = ZOK;
        if (rc != ZOK || slash == NULL)
            break;
        *slash = '/';
    }
    free(buf);
    return rc;
}

int zkr_mkdirs_parent(zhandle_t *zh, const char *path)
{
    char *parent;
    char *slash;
    int rc = ZOK;

    if (path == NULL || path[0] != '/')
        return ZBADARGUMENTS;
    parent = strdup(path);
    if (parent == NULL)
        return ZSYSTEMERROR;
    slash = strrchr(parent, '/');
    if (slash != parent) {
        *slash = '\0';
        rc = zkr_mkdirs(zh, parent);
    }
    free(parent);
    return rc;
}

int64_t zkr_sequence(const char *name)
{
    size_t n = strlen(name);
    int64_t v = 0;
    size_t i;

    if (n < 10)
        return -1;
    for (i = n - 10; i < n; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static int by_sequence(const void *a, const void *b)
{
    int64_t x = zkr_sequence(*(char *const *)a);
    int64_t y = zkr_sequence(*(char *const *)b);

    return x < y ? -1 : x > y ? 1 : strcmp(*(char *const *)a, *(char *const *)b);
}

void zkr_sort_by_sequence(struct String_vector *names)
{
    if (names->count > 1)
        qsort(names->data, (size_t)names->count, sizeof(char *), by_sequence);
}

void zkr_free_names(struct String_vector *names)
{
    int32_t i;

    if (names->data != NULL) {
        for (i = 0; i < names->count; i++)
            free(names->data[i]);
        free(names->data);
    }
    names->data = NULL;
    names->count = 0;
}

int64_t zkr_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t zkr_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : zkr_now_ms() + timeout_ms;
}

zkr_signal_t *zkr_signal_new(void)
{
    zkr_signal_t *s = calloc(1, sizeof *s);
    pthread_condattr_t attr;

    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    s->refs = 1;
    return s;
}

void zkr_signal_unref(zkr_signal_t *s)
{
    int last;

    pthread_mutex_lock(&s->lock);
    last = --s->refs == 0;
    pthread_mutex_unlock(&s->lock);
    if (last) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
    }
}

unsigned long zkr_signal_count(zkr_signal_t *s)
{
    unsigned long n;

    pthread_mutex_lock(&s->lock);
    n = s->fired;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void *zkr_signal_arm(zkr_signal_t *s)
{
    pthread_mutex_lock(&s->lock);
    s->refs++;
    pthread_mutex_unlock(&s->lock);
    return s;
}

void zkr_signal_disarm(zkr_signal_t *s)
{
    zkr_signal_unref(s);
}

void zkr_signal_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    zkr_signal_t *s = ctx;

    (void)zh;
    (void)path;
    /* Apache's client also hands session events to registered watchers;
     * only an expiry ends the watch (it will never fire after it). */
    if (type == ZOO_SESSION_EVENT && state != ZOO_EXPIRED_SESSION_STATE)
        return;
    pthread_mutex_lock(&s->lock);
    s->fired++;
    if (type == ZOO_SESSION_EVENT)
        s->expired = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    zkr_signal_unref(s);
}

int zkr_signal_wait(zkr_signal_t *s, unsigned long seen, int64_t deadline_ms)
{
    int rc = ZOK;

    pthread_mutex_lock(&s->lock);
    while (s->fired == seen && !s->expired) {
        if (deadline_ms < 0) {
            pthread_cond_wait(&s->cond, &s->lock);
        } else {
            struct timespec until;
            if (zkr_now_ms() >= deadline_ms) {
                rc = ZOPERATIONTIMEOUT;
                break;
            }
            until.tv_sec = deadline_ms / 1000;
            until.tv_nsec = (deadline_ms % 1000) * 1000000L;
            pthread_cond_timedwait(&s->cond, &s->lock, &until);
        }
    }
    if (s->expired)
        rc = ZSESSIONEXPIRED;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int zkr_watch_node(zhandle_t *zh, const char *path, zkr_signal_t *s)
{
    char byte;
    int len = 1;
    int rc = zoo_wget(zh, path, zkr_signal_watcher, zkr_signal_arm(s), &byte, &len, NULL);

    /* A data watch, unlike an exists watch, is not left behind when the
     * node is already gone. */
    if (rc != ZOK)
        zkr_signal_disarm(s);
    return rc;
}

int zkr_transient(int rc)
{
    return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT;
}

int zkr_retry_pause(zhandle_t *zh, int64_t start_ms)
{
    struct timespec ts = {0, 50 * 1000000L};
    int budget = zoo_recv_timeout(zh);

    if (zkr_now_ms() - start_ms > (budget > 0 ? budget : 10000))
        return 0;
    nanosleep(&ts, NULL);
    return 1;
}

int zkr_retry_before(int rc, int64_t deadline_ms)
{
    struct timespec ts = {0, 50 * 1000000L};

    if (!zkr_transient(rc) || (deadline_ms >= 0 && zkr_now_ms() >= deadline_ms))
        return 0;
    nanosleep(&ts, NULL);
    return 1;
}

int zkr_children(zhandle_t *zh, const char *path, struct String_vector *out)
{
    int64_t start = zkr_now_ms();
    int rc;

    do {
        out->count = 0;
        out->data = NULL;
        rc = zoo_get_children(zh, path, 0, out);
    } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
    return rc;
}

int zkr_get(zhandle_t *zh, const char *path, char *buf, int *len, struct Stat *stat)
{
    int64_t start = zkr_now_ms();
    int cap = *len;
    int rc;

    do {
        *len = cap;
        rc = zoo_get(zh, path, 0, buf, len, stat);
    } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
    return rc;
}

int zkr_exists(zhandle_t *zh, const char *path, struct Stat *stat)
{
    int64_t start = zkr_now_ms();
    int rc;

    do {
        rc = zoo_exists(zh, path, 0, stat);
    } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
    return rc;
}

int zkr_delete(zhandle_t *zh, const char *path, int version)
{
    int64_t start = zkr_now_ms();
    int rc;

    do {
        rc = zoo_delete(zh, path, version);
    } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
    return rc;
}

int zkr_create_ephemeral_seq(zhandle_t *zh, const char *dir, const char *prefix, const char *data,
                             int data_len, char *name_out, int name_cap)
{
    static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
    static unsigned long counter;
    int64_t start = zkr_now_ms();
    char token[128];
    char made[1024];
    char *want;
    unsigned long n;
    int rc, i;

    pthread_mutex_lock(&counter_lock);
    n = ++counter;
    pthread_mutex_unlock(&counter_lock);
    /* session id and pid make it unique across processes (the session id
     * is 0 before the first connection), the counter within one */
    snprintf(token, sizeof token, "%s%llx_%lx_%lx-", prefix,
             (unsigned long long)zoo_client_id(zh)->client_id, (unsigned long)getpid(), n);
    want = zkr_join(dir, token);
    if (want == NULL)
        return ZSYSTEMERROR;
    for (;;) {
        struct String_vector kids = {0, NULL};
        const char *found = NULL;

        rc = zoo_create(zh, want, data, data == NULL ? -1 : data_len, &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_EPHEMERAL | ZOO_SEQUENCE, made, (int)sizeof made);
        if (rc == ZOK) {
            found = strrchr(made, '/') + 1;
        } else if (!zkr_transient(rc) || !zkr_retry_pause(zh, start)) {
            break;
        } else {
            /* was it created before the answer got lost? */
            rc = zkr_children(zh, dir, &kids);
            if (rc != ZOK)
                break;
            for (i = 0; i < kids.count && found == NULL; i++)
                if (strncmp(kids.data[i], token, strlen(token)) == 0)
                    found = kids.data[i];
            if (found == NULL) {
                zkr_free_names(&kids);
                continue;
            }
        }
        if ((int)strlen(found) >= name_cap)
            rc = ZBADARGUMENTS;
        else
            strcpy(name_out, found);
        zkr_free_names(&kids);
        break;
    }
    free(want);
    return rc;
}
