/*
 * Group membership. A member is an ephemeral child of the group node, so it
 * leaves by itself when its session ends (crash included). A watcher gets
 * the full member list now and again after every change: the child watch
 * is re-armed each time it fires.
 */
#ifndef ZKR_MEMBERSHIP_H
#define ZKR_MEMBERSHIP_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Adds `member` (a node name, no '/') to `group` (created when missing)
 * with optional data. ZNODEEXISTS when the name is taken. */
int zkr_group_join(zhandle_t *zh, const char *group, const char *member, const char *data,
                   int data_len);

/* Removes `member` from `group`. */
int zkr_group_leave(zhandle_t *zh, const char *group, const char *member);

/* The current members; free with deallocate_String_vector. */
int zkr_group_members(zhandle_t *zh, const char *group, struct String_vector *out);

typedef struct zkr_group_watch zkr_group_watch_t;

/* Called with the member list sorted by name, or with rc != ZOK and an
 * empty list when the group could not be read (it is retried on the next
 * event). Runs on the client's event thread, or the caller's for the first
 * call. */
typedef void (*zkr_group_fn)(int rc, const struct String_vector *members, void *ctx);

/* Starts watching `group` (created when missing): `fn` runs now with the
 * current members and after each change. */
int zkr_group_watch(zhandle_t *zh, const char *group, zkr_group_fn fn, void *ctx,
                    zkr_group_watch_t **out);

/* Stops the callbacks (none runs after this returns) and frees the watch
 * once its pending ZooKeeper watch is gone. */
void zkr_group_unwatch(zkr_group_watch_t *watch);

#ifdef __cplusplus
}
#endif
#endif
