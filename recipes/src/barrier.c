#include "zkr_internal.h"
#include <zkr/barrier.h>

#include <stdlib.h>
#include <string.h>

static int valid_name(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
           strcmp(name, ZKR_BARRIER_READY) != 0;
}

/* Number of member children (the ready marker excluded); with a child
 * watch on `path` when sig is not NULL. */
static int count_members(zhandle_t *zh, const char *path, zkr_signal_t *sig, int *members)
{
    struct String_vector kids = {0, NULL};
    int rc, i;

    if (sig != NULL) {
        rc = zoo_wget_children(zh, path, zkr_signal_watcher, zkr_signal_arm(sig), &kids);
        if (rc != ZOK)
            zkr_signal_disarm(sig);
    } else {
        rc = zkr_children(zh, path, &kids);
    }
    if (rc != ZOK)
        return rc;
    *members = 0;
    for (i = 0; i < kids.count; i++)
        if (strcmp(kids.data[i], ZKR_BARRIER_READY) != 0)
            (*members)++;
    zkr_free_names(&kids);
    return ZOK;
}

/* Creates an empty node, retrying transient failures; a node found on a
 * retry is the one our earlier attempt made (names are unique). */
static int create_once(zhandle_t *zh, const char *path, int flags)
{
    int64_t start = zkr_now_ms();
    int rc, retried = 0;

    for (;;) {
        rc = zoo_create(zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, flags, NULL, 0);
        if (!zkr_transient(rc) || !zkr_retry_pause(zh, start))
            break;
        retried = 1;
    }
    return rc == ZNODEEXISTS && retried ? ZOK : rc;
}

int zkr_barrier_enter(zhandle_t *zh, const char *path, const char *name, int count,
                      int timeout_ms)
{
    int64_t deadline = zkr_deadline(timeout_ms);
    char *ready = NULL, *me = NULL;
    zkr_signal_t *sig = NULL;
    int rc, members;

    if (zh == NULL || path == NULL || path[0] != '/' || !valid_name(name) || count < 1)
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(zh, path);
    if (rc != ZOK)
        return rc;
    ready = zkr_join(path, ZKR_BARRIER_READY);
    me = zkr_join(path, name);
    sig = zkr_signal_new();
    if (ready == NULL || me == NULL || sig == NULL) {
        rc = ZSYSTEMERROR;
        goto out;
    }
    /* Watch for "ready" before joining, so its creation cannot be missed. */
    unsigned long seen = zkr_signal_count(sig);
    int64_t start = zkr_now_ms();
    do {
        rc = zoo_wexists(zh, ready, zkr_signal_watcher, zkr_signal_arm(sig), NULL);
        if (rc != ZOK && rc != ZNONODE)
            zkr_signal_disarm(sig); /* no watch set */
    } while (zkr_transient(rc) && zkr_retry_pause(zh, start));
    if (rc != ZOK && rc != ZNONODE)
        goto out;
    /* (ZOK: open already, a previous round not yet cleaned up or we are
     * late; the exists watch stays until "ready" goes) */
    rc = create_once(zh, me, ZOO_EPHEMERAL);
    if (rc != ZOK)
        goto out;
    rc = count_members(zh, path, NULL, &members);
    if (rc != ZOK)
        goto out;
    if (members >= count) {
        rc = create_once(zh, ready, 0);
        if (rc == ZNODEEXISTS)
            rc = ZOK;
        goto out;
    }
    for (;;) {
        rc = zkr_exists(zh, ready, NULL);
        if (rc != ZNONODE)
            break; /* ZOK: open */
        rc = zkr_signal_wait(sig, seen, deadline);
        if (rc != ZOK)
            break;
        seen = zkr_signal_count(sig);
    }
out:
    if (sig != NULL)
        zkr_signal_unref(sig);
    free(ready);
    free(me);
    return rc;
}

int zkr_barrier_leave(zhandle_t *zh, const char *path, const char *name, int timeout_ms)
{
    int64_t deadline = zkr_deadline(timeout_ms);
    char *me;
    zkr_signal_t *sig;
    int rc, members;

    if (zh == NULL || path == NULL || path[0] != '/' || !valid_name(name))
        return ZBADARGUMENTS;
    me = zkr_join(path, name);
    if (me == NULL)
        return ZSYSTEMERROR;
    rc = zkr_delete(zh, me, -1);
    free(me);
    if (rc != ZOK && rc != ZNONODE)
        return rc;
    sig = zkr_signal_new();
    if (sig == NULL)
        return ZSYSTEMERROR;
    for (;;) {
        unsigned long seen = zkr_signal_count(sig);
        rc = count_members(zh, path, sig, &members);
        if (zkr_retry_before(rc, deadline))
            continue;
        if (rc != ZOK)
            break;
        if (members == 0) {
            /* everyone left: close the barrier for the next round */
            char *ready = zkr_join(path, ZKR_BARRIER_READY);
            if (ready != NULL)
                zkr_delete(zh, ready, -1);
            free(ready);
            break;
        }
        rc = zkr_signal_wait(sig, seen, deadline);
        if (rc != ZOK)
            break;
    }
    zkr_signal_unref(sig);
    return rc;
}
