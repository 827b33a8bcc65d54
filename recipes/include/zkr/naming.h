/*
 * Naming service: cluster-wide unique names from sequential nodes. Each
 * registration creates "<prefix><10-digit sequence>", e.g. /jobs/job-
 * gives /jobs/job-0000000007; the sequence never repeats under a parent.
 */
#ifndef ZKR_NAMING_H
#define ZKR_NAMING_H

#ifndef THREADED
#define THREADED
#endif
#include <stdint.h>
#include <zookeeper.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Registers a unique name under `prefix` (whose parent is created when
 * missing), holding `data`. An ephemeral name goes with the session. The
 * full path is copied to name_out (capacity name_cap) and the sequence
 * number to *seq_out when not NULL. */
int zkr_name_register(zhandle_t *zh, const char *prefix, const char *data, int data_len,
                      int ephemeral, char *name_out, int name_cap, int64_t *seq_out);

#ifdef __cplusplus
}
#endif
#endif
