/*
 * Distributed FIFO queue. Each item is a PERSISTENT_SEQUENTIAL child
 * "item-<sequence>" of the queue node; consumers take the lowest sequence
 * first. A take reads an item and then deletes it: only the consumer whose
 * delete succeeds returns it, so an item is handed out at most once.
 */
#ifndef ZKR_QUEUE_H
#define ZKR_QUEUE_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Appends an item to the queue at `dir` (created when missing). */
int zkr_queue_put(zhandle_t *zh, const char *dir, const char *data, int data_len);

/* Removes the oldest item and copies it into buf (*len: capacity in,
 * length out). Waits up to `timeout_ms` for one (negative: forever;
 * 0: do not wait). ZOPERATIONTIMEOUT when the queue stayed empty,
 * ZBADARGUMENTS when the oldest item does not fit (it stays queued). */
int zkr_queue_take(zhandle_t *zh, const char *dir, char *buf, int *len, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
