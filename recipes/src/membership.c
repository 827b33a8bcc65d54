#include "zkr_internal.h"
#include <zkr/membership.h>

#include <stdlib.h>
#include <string.h>

struct zkr_group_watch {
    zhandle_t *zh;
    char *group;
    zkr_group_fn fn;
    void *ctx;
    pthread_mutex_t lock; /* held while fn runs, so unwatch waits for it */
    int refs;             /* the owner, plus one while a child watch is set */
    int cancelled;
};

static int valid_member(const char *member)
{
    return member != NULL && member[0] != '\0' && strchr(member, '/') == NULL;
}

int zkr_group_join(zhandle_t *zh, const char *group, const char *member, const char *data,
                   int data_len)
{
    char *p;
    int rc;

    if (zh == NULL || group == NULL || !valid_member(member))
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(zh, group);
    if (rc != ZOK)
        return rc;
    p = zkr_join(group, member);
    if (p == NULL)
        return ZSYSTEMERROR;
    int64_t start = zkr_now_ms();
    int retried = 0;
    for (;;) {
        rc = zoo_create(zh, p, data, data == NULL ? -1 : data_len, &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_EPHEMERAL, NULL, 0);
        if (!zkr_transient(rc) || !zkr_retry_pause(zh, start))
            break;
        retried = 1;
    }
    free(p);
    /* found on a retry: made by our own lost attempt (same session) */
    if (rc == ZNODEEXISTS && retried)
        rc = ZOK;
    return rc;
}

int zkr_group_leave(zhandle_t *zh, const char *group, const char *member)
{
    char *p;
    int rc;

    if (zh == NULL || group == NULL || !valid_member(member))
        return ZBADARGUMENTS;
    p = zkr_join(group, member);
    if (p == NULL)
        return ZSYSTEMERROR;
    rc = zkr_delete(zh, p, -1);
    free(p);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int zkr_group_members(zhandle_t *zh, const char *group, struct String_vector *out)
{
    int rc;

    out->count = 0;
    out->data = NULL;
    rc = zkr_children(zh, group, out);
    if (rc == ZOK && out->count > 1)
        qsort(out->data, (size_t)out->count, sizeof(char *), by_name);
    return rc;
}

static void release(zkr_group_watch_t *w)
{
    int last;

    pthread_mutex_lock(&w->lock);
    last = --w->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (last) {
        pthread_mutex_destroy(&w->lock);
        free(w->group);
        free(w);
    }
}

static void children_changed(zhandle_t *zh, int type, int state, const char *path, void *ctx);

/* Reads the members, re-arming the child watch, and reports them. With
 * w->lock held. */
static void refresh(zkr_group_watch_t *w)
{
    struct String_vector kids = {0, NULL};
    int rc;

    int64_t start = zkr_now_ms();

    if (w->cancelled)
        return;
    do {
        w->refs++;
        rc = zoo_wget_children(w->zh, w->group, children_changed, w, &kids);
        if (rc != ZOK)
            w->refs--; /* no watch set */
    } while (zkr_transient(rc) && zkr_retry_pause(w->zh, start));
    if (rc == ZOK && kids.count > 1)
        qsort(kids.data, (size_t)kids.count, sizeof(char *), by_name);
    w->fn(rc, &kids, w->ctx);
    zkr_free_names(&kids);
}

static void children_changed(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    zkr_group_watch_t *w = ctx;

    (void)zh;
    (void)path;
    if (type == ZOO_SESSION_EVENT && state != ZOO_EXPIRED_SESSION_STATE)
        return; /* still registered */
    pthread_mutex_lock(&w->lock);
    if (type != ZOO_SESSION_EVENT)
        refresh(w);
    pthread_mutex_unlock(&w->lock);
    release(w);
}

int zkr_group_watch(zhandle_t *zh, const char *group, zkr_group_fn fn, void *ctx,
                    zkr_group_watch_t **out)
{
    zkr_group_watch_t *w;
    int rc;

    if (zh == NULL || group == NULL || fn == NULL || out == NULL)
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(zh, group);
    if (rc != ZOK)
        return rc;
    w = calloc(1, sizeof *w);
    if (w == NULL || (w->group = strdup(group)) == NULL) {
        free(w);
        return ZSYSTEMERROR;
    }
    w->zh = zh;
    w->fn = fn;
    w->ctx = ctx;
    w->refs = 1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_lock(&w->lock);
    refresh(w);
    pthread_mutex_unlock(&w->lock);
    *out = w;
    return ZOK;
}

void zkr_group_unwatch(zkr_group_watch_t *w)
{
    pthread_mutex_lock(&w->lock);
    w->cancelled = 1;
    pthread_mutex_unlock(&w->lock);
    release(w);
}
