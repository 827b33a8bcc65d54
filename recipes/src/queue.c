#include "zkr_internal.h"
#include <zkr/queue.h>

#include <stdlib.h>
#include <string.h>

#define ITEM_PREFIX "item-"

int zkr_queue_put(zhandle_t *zh, const char *dir, const char *data, int data_len)
{
    char *want;
    int rc;

    if (zh == NULL || dir == NULL || dir[0] != '/')
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(zh, dir);
    if (rc != ZOK)
        return rc;
    want = zkr_join(dir, ITEM_PREFIX);
    if (want == NULL)
        return ZSYSTEMERROR;
    rc = zoo_create(zh, want, data, data == NULL ? -1 : data_len, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE,
                    NULL, 0);
    free(want);
    return rc;
}

/* Tries the items oldest first. ZOK with the item, ZNONODE when none could
 * be taken, another code on error. */
static int take_one(zhandle_t *zh, const char *dir, struct String_vector *kids, char *buf, int *len)
{
    int i, rc;

    zkr_sort_by_sequence(kids);
    for (i = 0; i < kids->count; i++) {
        struct Stat st;
        int got = *len;
        char *p;

        if (strncmp(kids->data[i], ITEM_PREFIX, strlen(ITEM_PREFIX)) != 0)
            continue;
        p = zkr_join(dir, kids->data[i]);
        if (p == NULL)
            return ZSYSTEMERROR;
        rc = zkr_get(zh, p, buf, &got, &st);
        if (rc == ZOK && st.dataLength > *len) {
            free(p);
            return ZBADARGUMENTS;
        }
        if (rc == ZOK)
            rc = zkr_delete(zh, p, st.version);
        free(p);
        if (rc == ZOK) {
            *len = got < 0 ? 0 : got;
            return ZOK;
        }
        if (rc != ZNONODE && rc != ZBADVERSION)
            return rc;
        /* another consumer took it first (or, after a lost answer, we
         * did: then it is dropped, never handed out twice) */
    }
    return ZNONODE;
}

int zkr_queue_take(zhandle_t *zh, const char *dir, char *buf, int *len, int timeout_ms)
{
    int64_t deadline = zkr_deadline(timeout_ms);
    zkr_signal_t *sig;
    unsigned long armed_at = (unsigned long)-1;
    int rc;

    if (zh == NULL || dir == NULL || dir[0] != '/' || buf == NULL || len == NULL || *len < 0)
        return ZBADARGUMENTS;
    rc = zkr_mkdirs(zh, dir);
    if (rc != ZOK)
        return rc;
    sig = zkr_signal_new();
    if (sig == NULL)
        return ZSYSTEMERROR;
    for (;;) {
        struct String_vector kids = {0, NULL};
        unsigned long seen = zkr_signal_count(sig);

        if (armed_at != seen) {
            /* no child watch pending: set one with this listing */
            rc = zoo_wget_children(zh, dir, zkr_signal_watcher, zkr_signal_arm(sig), &kids);
            if (rc != ZOK)
                zkr_signal_disarm(sig);
            else
                armed_at = seen;
        } else {
            rc = zkr_children(zh, dir, &kids);
        }
        if (zkr_retry_before(rc, deadline))
            continue;
        if (rc != ZOK)
            break;
        rc = take_one(zh, dir, &kids, buf, len);
        zkr_free_names(&kids);
        if (rc != ZNONODE)
            break;
        rc = zkr_signal_wait(sig, seen, deadline);
        if (rc != ZOK)
            break;
    }
    zkr_signal_unref(sig);
    return rc;
}
