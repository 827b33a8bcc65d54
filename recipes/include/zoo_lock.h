/*
 * Exclusive lock on a ZooKeeper path, source-compatible with the C lock
 * recipe of Apache ZooKeeper's zookeeper-recipes (same struct, functions and
 * behaviour), so programs written for it build unchanged.
 *
 * Each contender creates an EPHEMERAL_SEQUENTIAL child "x-<session id>-" of
 * the lock path; the lowest sequence number owns the lock and every other
 * contender watches only the node just below its own (no herd effect).
 * zkr_lock_lock does not block: it returns whether this mutex owns the lock
 * now; when it does not, ownership arrives later through the completion
 * (rc 0 = acquired, rc 1 = released) and zkr_lock_isowner.
 *
 * One mutex per session and lock path: the session id in the node name is
 * how a retry after a connection loss finds its own node again.
 */
#ifndef ZOOKEEPER_LOCK_H_
#define ZOOKEEPER_LOCK_H_

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>
#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called with rc 0 when the lock is acquired and rc 1 when it is released. */
typedef void (*zkr_lock_completion)(int rc, void *cbdata);

struct zkr_lock_mutex {
    zhandle_t *zh;
    char *path;
    struct ACL_vector *acl;
    char *id;          /* name of this contender's node, NULL when none */
    void *cbdata;
    zkr_lock_completion completion;
    pthread_mutex_t pmutex;
    int isOwner;
    char *ownerid;     /* name of the owner's node at the last check */
};

typedef struct zkr_lock_mutex zkr_lock_mutex_t;

/* Prepares `mutex` for the lock at `path` (created when missing) with `acl`
 * for the nodes it creates (NULL: ZOO_OPEN_ACL_UNSAFE). Returns 0. */
ZOOAPI int zkr_lock_init(zkr_lock_mutex_t *mutex, zhandle_t *zh, char *path,
                         struct ACL_vector *acl);

/* zkr_lock_init plus a completion called on acquire and release. */
ZOOAPI int zkr_lock_init_cb(zkr_lock_mutex_t *mutex, zhandle_t *zh, char *path,
                            struct ACL_vector *acl, zkr_lock_completion completion,
                            void *cbdata);

/* Enters the queue for the lock (once per mutex) and checks ownership.
 * Returns 1 when this mutex owns the lock, 0 otherwise (waiting, or the
 * server could not be reached). */
ZOOAPI int zkr_lock_lock(zkr_lock_mutex_t *mutex);

/* Leaves the queue (releasing the lock when owned). Returns 0 on success,
 * ZCONNECTIONLOSS when the node could not be deleted, ZSYSTEMERROR when this
 * mutex was not in the queue. */
ZOOAPI int zkr_lock_unlock(zkr_lock_mutex_t *mutex);

ZOOAPI void zkr_lock_setcallback(zkr_lock_mutex_t *mutex, zkr_lock_completion completion);
ZOOAPI zkr_lock_completion zkr_lock_getcallback(zkr_lock_mutex_t *mutex);

/* Frees what the mutex holds. Call it after zkr_lock_unlock. Returns 0. */
ZOOAPI int zkr_lock_destroy(zkr_lock_mutex_t *mutex);

/* The lock path. */
ZOOAPI char *zkr_lock_getpath(zkr_lock_mutex_t *mutex);

/* 1 when this mutex owns the lock. */
ZOOAPI int zkr_lock_isowner(zkr_lock_mutex_t *mutex);

/* The node name of the owner seen at the last check (NULL before any). */
ZOOAPI char *zkr_lock_getid(zkr_lock_mutex_t *mutex);

#ifdef __cplusplus
}
#endif
#endif
