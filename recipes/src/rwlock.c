#include "zkr_internal.h"
#include <zkr/rwlock.h>

#include <stdlib.h>
#include <string.h>

#define READ_PREFIX "read-"
#define WRITE_PREFIX "write-"

struct zkr_rwlock {
    zhandle_t *zh;
    char *path;
    char *node; /* full path of our node while holding or waiting */
};

int zkr_rwlock_init(zhandle_t *zh, const char *path, zkr_rwlock_t **out)
{
    zkr_rwlock_t *l;

    if (zh == NULL || path == NULL || path[0] != '/' || out == NULL)
        return ZBADARGUMENTS;
    l = calloc(1, sizeof *l);
    if (l == NULL || (l->path = strdup(path)) == NULL) {
        free(l);
        return ZSYSTEMERROR;
    }
    l->zh = zh;
    *out = l;
    return ZOK;
}

static int is_write(const char *name)
{
    return strncmp(name, WRITE_PREFIX, strlen(WRITE_PREFIX)) == 0;
}

/* The node that blocks `mine` (NULL: none), as a full path. *gone is set
 * when our own node is not there any more. */
static char *blocker(zkr_rwlock_t *l, struct String_vector *kids, const char *mine, int writer,
                     int *gone)
{
    int i, me = -1;

    zkr_sort_by_sequence(kids);
    for (i = 0; i < kids->count; i++)
        if (strcmp(kids->data[i], mine) == 0)
            me = i;
    *gone = me < 0;
    if (me <= 0)
        return NULL;
    if (writer)
        return zkr_join(l->path, kids->data[me - 1]);
    for (i = me - 1; i >= 0; i--)
        if (is_write(kids->data[i]))
            return zkr_join(l->path, kids->data[i]);
    return NULL;
}

static int acquire(zkr_rwlock_t *l, int writer, int timeout_ms)
{
    int64_t deadline = zkr_deadline(timeout_ms);
    char made[512];
    zkr_signal_t *sig = NULL;
    int rc, gone;

    if (l->node != NULL)
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(l->zh, l->path);
    if (rc != ZOK)
        return rc;
    rc = zkr_create_ephemeral_seq(l->zh, l->path, writer ? WRITE_PREFIX : READ_PREFIX, NULL, -1, made,
                                  (int)sizeof made);
    if (rc != ZOK)
        return rc;
    l->node = zkr_join(l->path, made);
    sig = zkr_signal_new();
    if (l->node == NULL || sig == NULL) {
        rc = ZSYSTEMERROR;
        goto withdraw;
    }
    for (;;) {
        struct String_vector kids = {0, NULL};
        unsigned long seen = zkr_signal_count(sig);
        char *block;

        rc = zkr_children(l->zh, l->path, &kids);
        if (rc != ZOK)
            goto withdraw;
        block = blocker(l, &kids, strrchr(l->node, '/') + 1, writer, &gone);
        zkr_free_names(&kids);
        if (gone) {
            rc = ZNONODE;
            goto withdraw;
        }
        if (block == NULL)
            break; /* held */
        rc = zkr_watch_node(l->zh, block, sig);
        free(block);
        if (rc == ZNONODE)
            continue;
        if (zkr_retry_before(rc, deadline))
            continue;
        if (rc != ZOK)
            goto withdraw;
        rc = zkr_signal_wait(sig, seen, deadline);
        if (rc != ZOK)
            goto withdraw;
    }
    zkr_signal_unref(sig);
    return ZOK;

withdraw:
    if (sig != NULL)
        zkr_signal_unref(sig);
    if (l->node != NULL && rc != ZSESSIONEXPIRED && rc != ZNONODE)
        zkr_delete(l->zh, l->node, -1);
    free(l->node);
    l->node = NULL;
    return rc;
}

int zkr_rwlock_rdlock(zkr_rwlock_t *l, int timeout_ms)
{
    return acquire(l, 0, timeout_ms);
}

int zkr_rwlock_wrlock(zkr_rwlock_t *l, int timeout_ms)
{
    return acquire(l, 1, timeout_ms);
}

int zkr_rwlock_unlock(zkr_rwlock_t *l)
{
    int rc;

    if (l->node == NULL)
        return ZBADARGUMENTS;
    rc = zkr_delete(l->zh, l->node, -1);
    if (rc == ZNONODE)
        rc = ZOK;
    if (rc == ZOK) {
        free(l->node);
        l->node = NULL;
    }
    return rc;
}

void zkr_rwlock_destroy(zkr_rwlock_t *l)
{
    if (l->node != NULL)
        zkr_rwlock_unlock(l);
    free(l->node);
    free(l->path);
    free(l);
}
