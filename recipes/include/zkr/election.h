/*
 * Leader election. Each candidate creates an EPHEMERAL_SEQUENTIAL node
 * under the election path; the lowest sequence number leads. A candidate
 * watches only the node just below its own, so a leader's departure wakes
 * exactly one successor (no herd effect). A crashed leader's node goes when
 * its session ends.
 */
#ifndef ZKR_ELECTION_H
#define ZKR_ELECTION_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zkr_election zkr_election_t;

/* Called once, from the client's event thread or the joining thread, when
 * this candidate becomes the leader. */
typedef void (*zkr_election_fn)(zkr_election_t *election, void *ctx);

/* Joins the election at `path` (created when missing) with `data` stored in
 * the candidate node. On ZOK *out is the candidate; release it with
 * zkr_election_resign. `fn` may be NULL. */
int zkr_election_join(zhandle_t *zh, const char *path, const char *data, int data_len,
                      zkr_election_fn fn, void *ctx, zkr_election_t **out);

/* 1 when this candidate leads. */
int zkr_election_is_leader(zkr_election_t *election);

/* Blocks until this candidate leads (ZOK), `timeout_ms` passed
 * (ZOPERATIONTIMEOUT; negative waits forever) or the candidacy failed
 * (its node is gone, the session expired, an error). */
int zkr_election_wait(zkr_election_t *election, int timeout_ms);

/* The candidate node's name, e.g. "n_0000000003". */
const char *zkr_election_node(zkr_election_t *election);

/* Leaves the election (deleting the node, which hands leadership on) and
 * frees the candidate. Returns the result of the delete. */
int zkr_election_resign(zkr_election_t *election);

/* Copies the current leader's data into buf (*len: capacity in, length
 * out). ZNONODE when there is no candidate. */
int zkr_election_leader(zhandle_t *zh, const char *path, char *buf, int *len);

#ifdef __cplusplus
}
#endif
#endif
