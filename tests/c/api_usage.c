/* Takes the address of every API function with the type Apache declares
 * it with, and uses the macros, types and constants, so that compiling this
 * against a header checks its declarations. Not run. */
#include <zookeeper.h>
#include <zookeeper_log.h>
#include <proto.h>
#include <recordio.h>
#include <zookeeper.jute.h>
#include <zookeeper_version.h>

#define CHECK(type, fn) { __typeof__(type) p = fn; (void)p; }

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh; (void)type; (void)state; (void)path; (void)ctx;
}

int main(int argc, char **argv) {
    (void)argv;
    CHECK(zhandle_t *(*)(const char *, watcher_fn, int, const clientid_t *, void *, int), zookeeper_init);
    CHECK(zhandle_t *(*)(const char *, watcher_fn, int, const clientid_t *, void *, int, log_callback_fn), zookeeper_init2);
    CHECK(int (*)(zhandle_t *, const char *), zoo_set_servers);
    CHECK(int (*)(zhandle_t *, int), zoo_set_servers_resolution_delay);
    CHECK(void (*)(zhandle_t *), zoo_cycle_next_server);
    CHECK(const char *(*)(zhandle_t *), zoo_get_current_server);
    CHECK(int (*)(zhandle_t *), zookeeper_close);
    CHECK(const clientid_t *(*)(zhandle_t *), zoo_client_id);
    CHECK(int (*)(zhandle_t *), zoo_recv_timeout);
    CHECK(const void *(*)(zhandle_t *), zoo_get_context);
    CHECK(void (*)(zhandle_t *, void *), zoo_set_context);
    CHECK(watcher_fn (*)(zhandle_t *, watcher_fn), zoo_set_watcher);
    CHECK(struct sockaddr *(*)(zhandle_t *, struct sockaddr *, socklen_t *), zookeeper_get_connected_host);
#ifndef THREADED
    CHECK(int (*)(zhandle_t *, int *, int *, struct timeval *), zookeeper_interest);
    CHECK(int (*)(zhandle_t *, int), zookeeper_process);
#endif
    CHECK(int (*)(zhandle_t *), zoo_state);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, string_completion_t, const void *), zoo_acreate);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, int64_t, string_completion_t, const void *), zoo_acreate_ttl);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, string_stat_completion_t, const void *), zoo_acreate2);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, int64_t, string_stat_completion_t, const void *), zoo_acreate2_ttl);
    CHECK(int (*)(zhandle_t *, const char *, int, void_completion_t, const void *), zoo_adelete);
    CHECK(int (*)(zhandle_t *, const char *, int, stat_completion_t, const void *), zoo_aexists);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, stat_completion_t, const void *), zoo_awexists);
    CHECK(int (*)(zhandle_t *, const char *, int, data_completion_t, const void *), zoo_aget);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, data_completion_t, const void *), zoo_awget);
    CHECK(int (*)(zhandle_t *, int, data_completion_t, const void *), zoo_agetconfig);
    CHECK(int (*)(zhandle_t *, watcher_fn, void *, data_completion_t, const void *), zoo_awgetconfig);
    CHECK(int (*)(zhandle_t *, const char *, const char *, const char *, int64_t, data_completion_t, const void *), zoo_areconfig);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, int, stat_completion_t, const void *), zoo_aset);
    CHECK(int (*)(zhandle_t *, const char *, int, strings_completion_t, const void *), zoo_aget_children);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, strings_completion_t, const void *), zoo_awget_children);
    CHECK(int (*)(zhandle_t *, const char *, int, strings_stat_completion_t, const void *), zoo_aget_children2);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, strings_stat_completion_t, const void *), zoo_awget_children2);
    CHECK(int (*)(zhandle_t *, const char *, string_completion_t, const void *), zoo_async);
    CHECK(int (*)(zhandle_t *, const char *, acl_completion_t, const void *), zoo_aget_acl);
    CHECK(int (*)(zhandle_t *, const char *, int, struct ACL_vector *, void_completion_t, const void *), zoo_aset_acl);
    CHECK(int (*)(zhandle_t *, int, const zoo_op_t *, zoo_op_result_t *, void_completion_t, const void *), zoo_amulti);
    CHECK(const char *(*)(int), zerror);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, void_completion_t, const void *), zoo_add_auth);
    CHECK(int (*)(zhandle_t *), is_unrecoverable);
    CHECK(void (*)(ZooLogLevel), zoo_set_debug_level);
    CHECK(void (*)(FILE *), zoo_set_log_stream);
    CHECK(log_callback_fn (*)(const zhandle_t *), zoo_get_log_callback);
    CHECK(void (*)(zhandle_t *, log_callback_fn), zoo_set_log_callback);
    CHECK(void (*)(int), zoo_deterministic_conn_order);
    CHECK(int (*)(zhandle_t *, const char *, ZooWatcherType, watcher_fn, void *, int, void_completion_t *, const void *), zoo_aremove_watches);
    CHECK(int (*)(zhandle_t *, const char *, ZooWatcherType, int, void_completion_t *, const void *), zoo_aremove_all_watches);
    CHECK(void (*)(zoo_op_t *, const char *, const char *, int, const struct ACL_vector *, int, char *, int), zoo_create_op_init);
    CHECK(void (*)(zoo_op_t *, const char *, int), zoo_delete_op_init);
    CHECK(void (*)(zoo_op_t *, const char *, const char *, int, int, struct Stat *), zoo_set_op_init);
    CHECK(void (*)(zoo_op_t *, const char *, int), zoo_check_op_init);
    CHECK(int64_t (*)(int64_t), zoo_htonll);
    CHECK(void (*)(char **), deallocate_String);
    CHECK(void (*)(struct buffer *), deallocate_Buffer);
    CHECK(int (*)(struct String_vector *, int32_t), allocate_String_vector);
    CHECK(int (*)(struct String_vector *), deallocate_String_vector);
    CHECK(int (*)(struct ACL_vector *, int32_t), allocate_ACL_vector);
    CHECK(int (*)(struct ACL_vector *), deallocate_ACL_vector);
    CHECK(void (*)(struct Stat *), deallocate_Stat);
    CHECK(void (*)(struct GetDataResponse *), deallocate_GetDataResponse);
    CHECK(FILE *(*)(void), zoo_get_log_stream);
#ifdef THREADED
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, char *, int), zoo_create);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, int64_t, char *, int), zoo_create_ttl);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, char *, int, struct Stat *), zoo_create2);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, const struct ACL_vector *, int, int64_t, char *, int, struct Stat *), zoo_create2_ttl);
    CHECK(int (*)(zhandle_t *, const char *, int), zoo_delete);
    CHECK(int (*)(zhandle_t *, const char *, int, struct Stat *), zoo_exists);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, struct Stat *), zoo_wexists);
    CHECK(int (*)(zhandle_t *, const char *, int, char *, int *, struct Stat *), zoo_get);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, char *, int *, struct Stat *), zoo_wget);
    CHECK(int (*)(zhandle_t *, int, char *, int *, struct Stat *), zoo_getconfig);
    CHECK(int (*)(zhandle_t *, watcher_fn, void *, char *, int *, struct Stat *), zoo_wgetconfig);
    CHECK(int (*)(zhandle_t *, const char *, const char *, const char *, int64_t, char *, int *, struct Stat *), zoo_reconfig);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, int), zoo_set);
    CHECK(int (*)(zhandle_t *, const char *, const char *, int, int, struct Stat *), zoo_set2);
    CHECK(int (*)(zhandle_t *, const char *, int, struct String_vector *), zoo_get_children);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, struct String_vector *), zoo_wget_children);
    CHECK(int (*)(zhandle_t *, const char *, int, struct String_vector *, struct Stat *), zoo_get_children2);
    CHECK(int (*)(zhandle_t *, const char *, watcher_fn, void *, struct String_vector *, struct Stat *), zoo_wget_children2);
    CHECK(int (*)(zhandle_t *, const char *, struct ACL_vector *, struct Stat *), zoo_get_acl);
    CHECK(int (*)(zhandle_t *, const char *, int, const struct ACL_vector *), zoo_set_acl);
    CHECK(int (*)(zhandle_t *, int, const zoo_op_t *, zoo_op_result_t *), zoo_multi);
    CHECK(int (*)(zhandle_t *, const char *, ZooWatcherType, watcher_fn, void *, int), zoo_remove_watches);
    CHECK(int (*)(zhandle_t *, const char *, ZooWatcherType, int), zoo_remove_all_watches);
#endif
    {
        zoo_op_t op;
        zoo_op_result_t res;
        struct Stat st;
        clientid_t cid;
        ZooLogLevel lvl = ZOO_LOG_LEVEL_DEBUG;
        ZooWatcherType wt = ZWATCHTYPE_ANY;
        enum ZOO_ERRORS e = ZOK;
        watcher_fn w = watcher;
        op.type = ZOO_CREATE_OP;
        op.create_op.path = "/x";
        op.delete_op.version = 1;
        op.set_op.stat = &st;
        op.check_op.version = 2;
        res.err = ZOK;
        cid.client_id = 0;
        (void)op; (void)res; (void)cid; (void)lvl; (void)wt; (void)e; (void)w;
        if (argc > 5) {
            LOG_INFO(LOGCALLBACK(NULL), "%s %d %s", ZOO_VERSION, ZOO_NOTIFY_OP, ZOO_CONFIG_NODE);
            LOG_DEBUG(LOGCALLBACK(NULL), "%p", (void *)&ZOO_OPEN_ACL_UNSAFE);
            (void)(ZOO_EPHEMERAL | ZOO_SEQUENCE | ZOOKEEPER_READ | ZOO_PERM_ALL);
        }
    }
    return 0;
}
