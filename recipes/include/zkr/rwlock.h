/*
 * Read/write lock. Readers create "read-" and writers "write-"
 * EPHEMERAL_SEQUENTIAL nodes under the lock path. A writer holds the lock
 * when no node has a lower sequence number; a reader when no "write-" node
 * has. Each waiter watches just the one node that blocks it. Locks of a
 * crashed holder go with its session.
 *
 * One zkr_rwlock_t holds at most one lock at a time; use one per thread.
 */
#ifndef ZKR_RWLOCK_H
#define ZKR_RWLOCK_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zkr_rwlock zkr_rwlock_t;

/* A lock handle for `path` (created on first use). */
int zkr_rwlock_init(zhandle_t *zh, const char *path, zkr_rwlock_t **out);

/* Block until the lock is held (ZOK) or `timeout_ms` passed
 * (ZOPERATIONTIMEOUT, the request is withdrawn; negative waits forever).
 * ZBADARGUMENTS when this handle already holds or waits for a lock. */
int zkr_rwlock_rdlock(zkr_rwlock_t *lock, int timeout_ms);
int zkr_rwlock_wrlock(zkr_rwlock_t *lock, int timeout_ms);

/* Releases the held lock. ZBADARGUMENTS when none is held. */
int zkr_rwlock_unlock(zkr_rwlock_t *lock);

/* Releases any held lock and frees the handle. */
void zkr_rwlock_destroy(zkr_rwlock_t *lock);

#ifdef __cplusplus
}
#endif
#endif
