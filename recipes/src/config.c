#include "zkr_internal.h"
#include <zkr/config.h>

#include <stdlib.h>
#include <string.h>

struct zkr_config_watch {
    zhandle_t *zh;
    char *path;
    zkr_config_fn fn;
    void *ctx;
    pthread_mutex_t lock; /* held while fn runs, so unwatch waits for it */
    int refs;             /* the owner, plus one per registered watch */
    int cancelled;
    int64_t last_mzxid;   /* of the last value reported; -1 absent, -2 none yet */
    char *buf;
};

int zkr_config_set(zhandle_t *zh, const char *path, const char *value, int value_len)
{
    int rc;

    if (zh == NULL || path == NULL || path[0] != '/' || value_len > ZKR_CONFIG_MAX)
        return ZBADARGUMENTS;
    int64_t start = zkr_now_ms();

    for (;;) {
        rc = zoo_set(zh, path, value, value == NULL ? -1 : value_len, -1);
        if (zkr_transient(rc) && zkr_retry_pause(zh, start))
            continue;
        if (rc != ZNONODE)
            return rc;
        rc = zkr_mkdirs_parent(zh, path);
        if (rc != ZOK && rc != ZNONODE)
            return rc;
        rc = zoo_create(zh, path, value, value == NULL ? -1 : value_len, &ZOO_OPEN_ACL_UNSAFE, 0,
                        NULL, 0);
        if (zkr_transient(rc) && zkr_retry_pause(zh, start))
            continue; /* the set above finds it if this create was applied */
        if (rc != ZNODEEXISTS)
            return rc;
        /* created by someone else meanwhile: overwrite it */
    }
}

static void release(zkr_config_watch_t *w)
{
    int last;

    pthread_mutex_lock(&w->lock);
    last = --w->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (last) {
        pthread_mutex_destroy(&w->lock);
        free(w->path);
        free(w->buf);
        free(w);
    }
}

static void value_changed(zhandle_t *zh, int type, int state, const char *path, void *ctx);

/* Reads the value re-arming the watch and reports it when it changed;
 * with w->lock held. */
static void refresh(zkr_config_watch_t *w)
{
    struct Stat st;
    int rc, len;

    int64_t start = zkr_now_ms();

    if (w->cancelled)
        return;
    do {
        len = ZKR_CONFIG_MAX;
        w->refs++;
        rc = zoo_wget(w->zh, w->path, value_changed, w, w->buf, &len, &st);
        if (rc != ZOK)
            w->refs--; /* no data watch set */
    } while (zkr_transient(rc) && zkr_retry_pause(w->zh, start));
    if (rc != ZOK) {
        if (rc != ZNONODE)
            return; /* connection trouble: reported by the session's own watcher */
        /* absent: watch for its creation instead */
        w->refs++;
        rc = zoo_wexists(w->zh, w->path, value_changed, w, &st);
        if (rc == ZNONODE) {
            if (w->last_mzxid != -1) {
                w->last_mzxid = -1;
                w->fn(NULL, 0, -1, w->ctx);
            }
            return;
        }
        if (rc != ZOK) {
            w->refs--;
            return;
        }
        /* Created in between: the exists watch now covers its changes, so
         * read it without setting a second one. */
        len = ZKR_CONFIG_MAX;
        rc = zoo_get(w->zh, w->path, 0, w->buf, &len, &st);
        if (rc != ZOK)
            return; /* deleted again: the exists watch fires for it */
    }
    /* mzxid, not version: a node deleted and created again restarts its
     * version at 0 */
    if (st.mzxid != w->last_mzxid) {
        w->last_mzxid = st.mzxid;
        w->fn(len < 0 ? NULL : w->buf, len < 0 ? 0 : len, st.version, w->ctx);
    }
}

static void value_changed(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    zkr_config_watch_t *w = ctx;

    (void)zh;
    (void)path;
    if (type == ZOO_SESSION_EVENT && state != ZOO_EXPIRED_SESSION_STATE)
        return;
    pthread_mutex_lock(&w->lock);
    if (type != ZOO_SESSION_EVENT)
        refresh(w);
    pthread_mutex_unlock(&w->lock);
    release(w);
}

int zkr_config_watch(zhandle_t *zh, const char *path, zkr_config_fn fn, void *ctx,
                     zkr_config_watch_t **out)
{
    zkr_config_watch_t *w;

    if (zh == NULL || path == NULL || path[0] != '/' || fn == NULL || out == NULL)
        return ZBADARGUMENTS;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return ZSYSTEMERROR;
    w->path = strdup(path);
    w->buf = malloc(ZKR_CONFIG_MAX);
    if (w->path == NULL || w->buf == NULL) {
        free(w->path);
        free(w->buf);
        free(w);
        return ZSYSTEMERROR;
    }
    w->zh = zh;
    w->fn = fn;
    w->ctx = ctx;
    w->refs = 1;
    w->last_mzxid = -2;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_lock(&w->lock);
    refresh(w);
    pthread_mutex_unlock(&w->lock);
    *out = w;
    return ZOK;
}

void zkr_config_unwatch(zkr_config_watch_t *w)
{
    pthread_mutex_lock(&w->lock);
    w->cancelled = 1;
    pthread_mutex_unlock(&w->lock);
    release(w);
}
