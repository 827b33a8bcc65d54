/*
 * Double barrier: members enter together once `count` have joined and leave
 * together once all have left. A member is an ephemeral child of the
 * barrier node; the member that completes the count creates the "ready"
 * child, which releases everyone waiting to enter. Leaving waits until no
 * member node is left. A crashed member's node goes with its session.
 */
#ifndef ZKR_BARRIER_H
#define ZKR_BARRIER_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The child that marks the barrier open; no member may use this name. */
#define ZKR_BARRIER_READY "ready"

/* Joins the barrier at `path` (created when missing) as `name` and waits
 * until `count` members have joined: ZOK, or ZOPERATIONTIMEOUT after
 * `timeout_ms` (negative waits forever; the member stays joined). */
int zkr_barrier_enter(zhandle_t *zh, const char *path, const char *name, int count,
                      int timeout_ms);

/* Leaves the barrier and waits until every member has left: ZOK, or
 * ZOPERATIONTIMEOUT after `timeout_ms`. */
int zkr_barrier_leave(zhandle_t *zh, const char *path, const char *name, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
