/*
 * Configuration centre. Publishers write a value to a node; subscribers
 * get the value now and again after every change. The data watch is
 * re-armed each time it fires, so no change is missed for long: changes
 * made while re-arming are seen together, as the latest value (versions
 * seen by a subscriber only increase).
 */
#ifndef ZKR_CONFIG_H
#define ZKR_CONFIG_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest value a subscriber reads. */
#define ZKR_CONFIG_MAX 65536

/* Creates or overwrites the value at `path` (parents created when missing). */
int zkr_config_set(zhandle_t *zh, const char *path, const char *value, int value_len);

typedef struct zkr_config_watch zkr_config_watch_t;

/* Called with the value and its version, or with value NULL and version -1
 * while the node does not exist. Runs on the client's event thread, or the
 * caller's for the first call. */
typedef void (*zkr_config_fn)(const char *value, int value_len, int version, void *ctx);

/* Subscribes to `path`: fn runs now and after every change. */
int zkr_config_watch(zhandle_t *zh, const char *path, zkr_config_fn fn, void *ctx,
                     zkr_config_watch_t **out);

/* Stops the callbacks (none runs after this returns). */
void zkr_config_unwatch(zkr_config_watch_t *watch);

#ifdef __cplusplus
}
#endif
#endif
