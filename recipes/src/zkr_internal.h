/* Helpers shared by the recipes; not part of their public API. */
#ifndef ZKR_INTERNAL_H
#define ZKR_INTERNAL_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>
#include <pthread.h>
#include <stdint.h>

/* "dir/name", malloc'd; NULL when out of memory. */
char *zkr_join(const char *dir, const char *name);

/* Creates `path` and any missing parents as persistent empty nodes. */
int zkr_mkdirs(zhandle_t *zh, const char *path);

/* Creates the parents of `path` (not `path` itself), as zkr_mkdirs. */
int zkr_mkdirs_parent(zhandle_t *zh, const char *path);

/* The sequence number ZooKeeper appended to a sequential node's name (its
 * last ten digits), or -1 when the name carries none. */
int64_t zkr_sequence(const char *name);

/* Sorts names by their sequence number, lowest first. */
void zkr_sort_by_sequence(struct String_vector *names);

/* Frees the strings of a vector filled by zoo_get_children. */
void zkr_free_names(struct String_vector *names);

/* A wake-up shared between a blocked caller and the one-shot watches it
 * registers. Reference counted: every watch still registered holds one, so
 * a watch firing after the caller gave up touches no freed memory. */
typedef struct zkr_signal {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned long fired; /* number of watch events seen */
    int refs;
    int expired;         /* the session expired: no watch will ever fire */
} zkr_signal_t;

zkr_signal_t *zkr_signal_new(void);
void zkr_signal_unref(zkr_signal_t *s);
unsigned long zkr_signal_count(zkr_signal_t *s);

/* Watcher for zoo_w* calls; pass zkr_signal_arm(s) as its context, and
 * zkr_signal_disarm(s) when the call failed without registering a watch. */
void zkr_signal_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);
void *zkr_signal_arm(zkr_signal_t *s);
void zkr_signal_disarm(zkr_signal_t *s);

/* Waits until the event count differs from `seen`, the session expired or
 * the absolute CLOCK_MONOTONIC deadline `deadline_ms` passed (a negative
 * deadline waits forever). Returns ZOK, ZOPERATIONTIMEOUT or
 * ZSESSIONEXPIRED. */
int zkr_signal_wait(zkr_signal_t *s, unsigned long seen, int64_t deadline_ms);

/* CLOCK_MONOTONIC in milliseconds, and a deadline `timeout_ms` from now
 * (-1 for a negative timeout: no deadline). */
int64_t zkr_now_ms(void);
int64_t zkr_deadline(int timeout_ms);

/* Registers a watch with zoo_wget on `path` that wakes `s` when the node
 * changes or goes. Returns ZOK (watch set), ZNONODE (the node is already
 * gone: no watch) or another error. */
int zkr_watch_node(zhandle_t *zh, const char *path, zkr_signal_t *s);

/* Errors after which the request may or may not have been applied while
 * the session may well live on: the client reconnects by itself. */
int zkr_transient(int rc);

/* Sleeps briefly before retrying a transient failure. Returns 0 once one
 * session timeout has passed since `start_ms` (then give up). */
int zkr_retry_pause(zhandle_t *zh, int64_t start_ms);

/* For calls bounded by a caller's deadline (zkr_deadline): when `rc` is a
 * transient failure and the deadline has not passed, sleeps briefly and
 * returns 1 (retry); else returns 0. */
int zkr_retry_before(int rc, int64_t deadline_ms);

/* Idempotent calls retried across transient failures. zkr_delete reports a
 * node already gone as ZNONODE even when an earlier attempt deleted it. */
int zkr_children(zhandle_t *zh, const char *path, struct String_vector *out);
int zkr_get(zhandle_t *zh, const char *path, char *buf, int *len, struct Stat *stat);
int zkr_exists(zhandle_t *zh, const char *path, struct Stat *stat);
int zkr_delete(zhandle_t *zh, const char *path, int version);

/* Creates an EPHEMERAL_SEQUENTIAL child "<prefix><token>-<sequence>" of
 * `dir`, the token unique to this call. After a transient failure it looks
 * for its own node before trying again, so a lost answer never leaves a
 * stray node behind (which would block the others until the session ends).
 * The child's name (not the full path) goes to name_out. */
int zkr_create_ephemeral_seq(zhandle_t *zh, const char *dir, const char *prefix, const char *data,
                             int data_len, char *name_out, int name_cap);

#endif
