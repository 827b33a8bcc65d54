/* The C integration suite: exercises the API against a live server and
 * prints a transcript of what it observed (return codes, data, events),
 * leaving out what differs from run to run (ids, times, zxids). The Rust
 * driver (tests/c_suite.rs) runs it once with Apache's library and once
 * with ours and requires the same transcript; CHECKs abort on the spot.
 *
 * usage: suite HOST:PORT ROOT [--extensions]
 * At "RESTART" it waits for a line on stdin (the driver restarts the
 * server in between). --extensions adds what only this library supports:
 * synchronous calls and zookeeper_close inside callbacks. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <zookeeper.h>

#include "check.h"

static char hosts[256];
static zhandle_t *main_zh;
static char root[128];

static void out(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* ---- a queue of observed events ---- */
#define QMAX 256
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static char queue[QMAX][256];
static int qhead, qtail;

static void push(const char *fmt, ...) {
    va_list ap;
    pthread_mutex_lock(&qlock);
    va_start(ap, fmt);
    vsnprintf(queue[qtail % QMAX], 256, fmt, ap);
    va_end(ap);
    qtail++;
    pthread_cond_broadcast(&qcond);
    pthread_mutex_unlock(&qlock);
}

/* Pops the next event into buf; 0 on timeout. */
static int pop(char *buf, int ms) {
    struct timespec ts;
    int ok = 1;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&qlock);
    while (qhead == qtail && ok)
        ok = pthread_cond_timedwait(&qcond, &qlock, &ts) == 0;
    if (qhead != qtail) {
        strcpy(buf, queue[qhead % QMAX]);
        qhead++;
        ok = 1;
    }
    pthread_mutex_unlock(&qlock);
    return ok;
}

/* Waits for an event starting with prefix (and, for watch events, for the
 * watcher with context ctx when given), printing it; skips others: session
 * events reach every watcher, in no fixed order. */
static void expect_ctx(const char *prefix, const char *ctx, int ms) {
    char buf[256], suffix[64], skipped[8][256];
    int nskipped = 0;
    snprintf(suffix, sizeof(suffix), " ctx=%s", ctx ? ctx : "");
    while (pop(buf, ms)) {
        snprintf(skipped[nskipped++ % 8], 256, "%s", buf);
        size_t n = strlen(buf), m = strlen(suffix);
        if (strncmp(buf, prefix, strlen(prefix)) == 0 &&
            (!ctx || (n >= m && strcmp(buf + n - m, suffix) == 0))) {
            out("event %s", buf);
            return;
        }
    }
    out("timeout waiting for %s (state %d); last events skipped:", prefix, zoo_state(main_zh));
    for (int i = nskipped > 8 ? nskipped - 8 : 0; i < nskipped; i++)
        out("  %s", skipped[i % 8]);
    exit(1);
}

/* After waiting ms, removes from the queue the events matching prefix and
 * ctx, printing and counting them; other events stay queued in order. */
static int take_matching(const char *prefix, const char *ctx, int ms) {
    char suffix[64];
    int n = 0, w;
    snprintf(suffix, sizeof(suffix), " ctx=%s", ctx);
    usleep(ms * 1000);
    pthread_mutex_lock(&qlock);
    w = qhead;
    for (int r = qhead; r < qtail; r++) {
        const char *e = queue[r % QMAX];
        size_t len = strlen(e), m = strlen(suffix);
        if (strncmp(e, prefix, strlen(prefix)) == 0 && len >= m && strcmp(e + len - m, suffix) == 0) {
            out("  counted %s", e);
            n++;
        } else {
            if (w != r)
                memmove(queue[w % QMAX], e, len + 1);
            w++;
        }
    }
    qtail = w;
    pthread_mutex_unlock(&qlock);
    return n;
}

static void expect(const char *prefix, int ms) {
    expect_ctx(prefix, NULL, ms);
}

/* Prints every event arriving within ms, except session events. */
static void drain(int ms) {
    char buf[256];
    while (pop(buf, ms))
        if (strncmp(buf, "watch type=-1 ", 14) != 0)
            out("event %s", buf);
}

static const char *rel(const char *path) {
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 ? path + n : path;
}

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    push("watch type=%d state=%d path=%s ctx=%s", type, state, rel(path),
         ctx ? (const char *)ctx : "-");
}

static zhandle_t *connect_to(const char *h, const char *ctx, const clientid_t *cid) {
    zhandle_t *zh = zookeeper_init(h, watcher, 10000, cid, (void *)ctx, 0);
    CHECK(zh != NULL);
    expect_ctx("watch type=-1 state=3", ctx, 10000);
    CHECK(zoo_state(zh) == ZOO_CONNECTED_STATE);
    return zh;
}

static char *p(const char *name) {
    static char bufs[8][256];
    static int i;
    char *b = bufs[i++ % 8];
    snprintf(b, 256, "%s%s", root, name);
    return b;
}

/* ---- sync API ---- */
static void test_sync(zhandle_t *zh) {
    char buf[64], path[128];
    int len, rc;
    struct Stat st;
    struct String_vector kids;
    const clientid_t *cid = zoo_client_id(zh);

    CHECK(cid->client_id != 0);
    CHECK(zoo_recv_timeout(zh) > 0);
    CHECK(strcmp((const char *)zoo_get_context(zh), "main") == 0);
    CHECK(strstr(zoo_get_current_server(zh), ":") != NULL);
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        CHECK(zookeeper_get_connected_host(zh, (struct sockaddr *)&ss, &sl) != NULL);
        CHECK(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
    }
    out("create %d", zoo_create(zh, root, "r", 1, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path)));
    out("path [%s]", rel(path));
    out("create again %d", zoo_create(zh, root, "r", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
    rc = zoo_create2(zh, p("/a"), "hello", 5, &ZOO_OPEN_ACL_UNSAFE, 0, path, 5, &st);
    out("create2 %d path=%s version=%d len=%d", rc, path, st.version, st.dataLength);
    len = sizeof(buf);
    rc = zoo_get(zh, p("/a"), 0, buf, &len, &st);
    out("get %d len=%d data=%.*s", rc, len, len, buf);
    len = 3;
    rc = zoo_get(zh, p("/a"), 0, buf, &len, NULL);
    out("get small %d len=%d data=%.*s", rc, len, len, buf);
    out("create null %d", zoo_create(zh, p("/null"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
    len = sizeof(buf);
    rc = zoo_get(zh, p("/null"), 0, buf, &len, &st);
    out("get null %d len=%d datalen=%d", rc, len, st.dataLength);
    out("create empty %d", zoo_create(zh, p("/empty"), "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
    len = sizeof(buf);
    rc = zoo_get(zh, p("/empty"), 0, buf, &len, &st);
    out("get empty %d len=%d", rc, len);
    out("set %d", zoo_set(zh, p("/a"), "world", 5, 0));
    out("set bad version %d", zoo_set(zh, p("/a"), "x", 1, 0));
    rc = zoo_set2(zh, p("/a"), "again", 5, -1, &st);
    out("set2 %d version=%d", rc, st.version);
    out("exists %d", zoo_exists(zh, p("/a"), 0, &st));
    out("exists missing %d", zoo_exists(zh, p("/missing"), 0, &st));
    out("get missing %d", zoo_get(zh, p("/missing"), 0, buf, &len, &st));
    rc = zoo_create(zh, p("/a/seq-"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, path, sizeof(path));
    out("sequential %d path=%s", rc, rel(path));
    rc = zoo_create(zh, p("/a/eph"), "e", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, path, sizeof(path));
    out("ephemeral %d path=%s", rc, rel(path));
    out("child of ephemeral %d", zoo_create(zh, p("/a/eph/x"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
    rc = zoo_exists(zh, p("/a/eph"), 0, &st);
    out("exists eph %d owner_is_me=%d", rc, st.ephemeralOwner == cid->client_id);
    out("container %d", zoo_create(zh, p("/cont"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_CONTAINER, NULL, 0));
    out("ttl %d", zoo_create_ttl(zh, p("/ttl"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 5000, NULL, 0));
    out("create2 ttl %d", zoo_create2_ttl(zh, p("/ttl2"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 5000, NULL, 0, &st));
    rc = zoo_get_children(zh, p("/a"), 0, &kids);
    out("children %d count=%d", rc, kids.count);
    deallocate_String_vector(&kids);
    rc = zoo_get_children2(zh, p("/a"), 0, &kids, &st);
    out("children2 %d count=%d numChildren=%d", rc, kids.count, st.numChildren);
    deallocate_String_vector(&kids);
    out("delete not empty %d", zoo_delete(zh, p("/a"), -1));
    out("delete bad version %d", zoo_delete(zh, p("/null"), 7));
    out("delete %d", zoo_delete(zh, p("/null"), 0));
    out("delete missing %d", zoo_delete(zh, p("/null"), -1));
    len = sizeof(buf);
    rc = zoo_getconfig(zh, 0, buf, &len, &st);
    out("getconfig %d", rc);
}

/* ---- ACLs and auth ---- */
static void test_acl(zhandle_t *zh) {
    struct ACL_vector acl;
    struct Stat st;
    struct ACL entry;
    char buf[16];
    int len = sizeof(buf), rc;
    zhandle_t *other;

    rc = zoo_get_acl(zh, p("/a"), &acl, &st);
    out("get_acl %d count=%d perms=%d id=%s:%s aversion=%d", rc, acl.count, acl.data[0].perms,
        acl.data[0].id.scheme, acl.data[0].id.id, st.aversion);
    deallocate_ACL_vector(&acl);
    out("add_auth %d", zoo_add_auth(zh, "digest", "user:secret", 11, NULL, NULL));
    out("create creator-all %d", zoo_create(zh, p("/secret"), "s", 1, &ZOO_CREATOR_ALL_ACL, 0, NULL, 0));
    rc = zoo_get_acl(zh, p("/secret"), &acl, &st);
    out("get_acl secret %d count=%d perms=%d scheme=%s", rc, acl.count, acl.data[0].perms,
        acl.data[0].id.scheme);
    deallocate_ACL_vector(&acl);
    other = connect_to(hosts, "other", NULL);
    out("other get %d", zoo_get(other, p("/secret"), 0, buf, &len, &st));
    out("other add_auth wrong %d", zoo_add_auth(other, "digest", "user:wrong", 10, NULL, NULL));
    len = sizeof(buf);
    out("other get after wrong auth %d", zoo_get(other, p("/secret"), 0, buf, &len, &st));
    out("other add_auth right %d", zoo_add_auth(other, "digest", "user:secret", 11, NULL, NULL));
    len = sizeof(buf);
    out("other get after auth %d", zoo_get(other, p("/secret"), 0, buf, &len, &st));
    entry.perms = ZOO_PERM_READ | ZOO_PERM_ADMIN;
    entry.id = ZOO_ANYONE_ID_UNSAFE;
    acl.count = 1;
    acl.data = &entry;
    out("set_acl %d", zoo_set_acl(zh, p("/a"), 0, &acl));
    out("set_acl bad version %d", zoo_set_acl(zh, p("/a"), 0, &acl));
    out("write read-only node %d", zoo_set(zh, p("/a"), "x", 1, -1));
    allocate_ACL_vector(&acl, 1);
    acl.data[0].perms = ZOO_PERM_ALL;
    acl.data[0].id.scheme = strdup("world");
    acl.data[0].id.id = strdup("anyone");
    out("set_acl all %d", zoo_set_acl(zh, p("/a"), -1, &acl));
    deallocate_ACL_vector(&acl);
    zookeeper_close(other);
}

/* ---- watches ---- */
static void test_watches(zhandle_t *zh) {
    char buf[16];
    int len = sizeof(buf);
    struct Stat st;
    struct String_vector kids;

    out("wget %d", zoo_wget(zh, p("/a"), watcher, "data", buf, &len, &st));
    out("wexists missing %d", zoo_wexists(zh, p("/w"), watcher, "exists", &st));
    out("wget_children %d", zoo_wget_children(zh, p("/a"), watcher, "child", &kids));
    deallocate_String_vector(&kids);
    out("set %d", zoo_set(zh, p("/a"), "changed", 7, -1));
    expect("watch type=3", 15000);
    out("create w %d", zoo_create(zh, p("/w"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
    expect("watch type=1", 15000);
    out("create child %d", zoo_create(zh, p("/a/c"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
    expect("watch type=4", 15000);
    /* A watch fires once. */
    out("set again %d", zoo_set(zh, p("/a"), "again", 5, -1));
    /* The global watcher through watch=1. */
    out("exists watch %d", zoo_exists(zh, p("/w"), 1, &st));
    out("delete w %d", zoo_delete(zh, p("/w"), -1));
    expect("watch type=2", 15000);
    drain(300);
    /* Removing watches. */
    out("wget_children2 %d", zoo_wget_children2(zh, p("/a"), watcher, "rm", &kids, &st));
    deallocate_String_vector(&kids);
    out("remove_watches %d", zoo_remove_watches(zh, p("/a"), ZWATCHTYPE_CHILD, watcher, "rm", 0));
    drain(300);
    out("remove_watches again %d", zoo_remove_watches(zh, p("/a"), ZWATCHTYPE_CHILD, watcher, "rm", 0));
    out("wexists %d", zoo_wexists(zh, p("/a"), watcher, "local", &st));
    out("remove_all_watches local %d", zoo_remove_all_watches(zh, p("/a"), ZWATCHTYPE_ANY, 1));
    out("set after removal %d", zoo_set(zh, p("/a"), "quiet", 5, -1));
    drain(300);
}

/* ---- async API ---- */
static void void_done(int rc, const void *d) { push("done %s rc=%d", (const char *)d, rc); }
static void string_done(int rc, const char *v, const void *d) {
    push("done %s rc=%d value=%s", (const char *)d, rc, v ? rel(v) : "(null)");
}
static void string_stat_done(int rc, const char *v, const struct Stat *st, const void *d) {
    push("done %s rc=%d value=%s version=%d", (const char *)d, rc, v ? rel(v) : "(null)",
         st ? st->version : -99);
}
static void stat_done(int rc, const struct Stat *st, const void *d) {
    push("done %s rc=%d version=%d", (const char *)d, rc, st ? st->version : -99);
}
static void data_done(int rc, const char *v, int len, const struct Stat *st, const void *d) {
    push("done %s rc=%d len=%d data=%.*s version=%d", (const char *)d, rc, len, len > 0 ? len : 0,
         v ? v : "", st ? st->version : -99);
}
static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }
static void strings_done(int rc, const struct String_vector *sv, const void *d) {
    char list[128] = "";
    if (sv) {
        char **copy = calloc(sv->count + 1, sizeof(char *));
        memcpy(copy, sv->data, sv->count * sizeof(char *));
        qsort(copy, sv->count, sizeof(char *), cmp);
        for (int i = 0; i < sv->count; i++) {
            strcat(list, copy[i]);
            strcat(list, ",");
        }
        free(copy);
    }
    push("done %s rc=%d children=%s", (const char *)d, rc, list);
}
static void strings_stat_done(int rc, const struct String_vector *sv, const struct Stat *st,
                              const void *d) {
    push("done %s rc=%d count=%d num=%d", (const char *)d, rc, sv ? sv->count : -1,
         st ? st->numChildren : -1);
}
static void acl_done(int rc, struct ACL_vector *acl, struct Stat *st, const void *d) {
    push("done %s rc=%d count=%d aversion=%d", (const char *)d, rc, acl ? acl->count : -1,
         st ? st->aversion : -1);
}

static void test_async(zhandle_t *zh) {
    out("acreate %d", zoo_acreate(zh, p("/b"), "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, string_done, "acreate"));
    out("acreate2 %d", zoo_acreate2(zh, p("/b/c"), "y", 1, &ZOO_OPEN_ACL_UNSAFE, 0, string_stat_done, "acreate2"));
    out("aexists %d", zoo_aexists(zh, p("/b"), 0, stat_done, "aexists"));
    out("aexists missing %d", zoo_aexists(zh, p("/b/zz"), 0, stat_done, "aexists-missing"));
    out("aget %d", zoo_aget(zh, p("/b"), 0, data_done, "aget"));
    out("aset %d", zoo_aset(zh, p("/b"), "zz", 2, 0, stat_done, "aset"));
    out("aget_children %d", zoo_aget_children(zh, p("/b"), 0, strings_done, "aget_children"));
    out("aget_children2 %d", zoo_aget_children2(zh, p("/b"), 0, strings_stat_done, "aget_children2"));
    out("aget_acl %d", zoo_aget_acl(zh, p("/b"), acl_done, "aget_acl"));
    out("aset_acl %d", zoo_aset_acl(zh, p("/b"), -1, &ZOO_OPEN_ACL_UNSAFE, void_done, "aset_acl"));
    out("async %d", zoo_async(zh, p("/b"), string_done, "async"));
    out("adelete %d", zoo_adelete(zh, p("/b"), -1, void_done, "adelete"));
    out("adelete child %d", zoo_adelete(zh, p("/b/c"), -1, void_done, "adelete-child"));
    out("adelete parent %d", zoo_adelete(zh, p("/b"), -1, void_done, "adelete-parent"));
    out("awget %d", zoo_awget(zh, p("/a"), watcher, "awget", data_done, "awget"));
    out("awexists %d", zoo_awexists(zh, p("/b"), watcher, "awexists", stat_done, "awexists"));
    out("awget_children %d", zoo_awget_children(zh, p("/a"), watcher, "awc", strings_done, "awget_children"));
    out("awget_children2 %d", zoo_awget_children2(zh, p("/a"), watcher, "awc", strings_stat_done, "awget_children2"));
    out("agetconfig %d", zoo_agetconfig(zh, 0, data_done, "agetconfig-ignored") == ZOK);
    /* Completions arrive in request order. */
    for (int i = 0; i < 18; i++)
        expect("done", 15000);
    drain(200);
}

/* ---- multi ---- */
static void test_multi(zhandle_t *zh) {
    zoo_op_t ops[4];
    zoo_op_result_t res[4];
    char path[64];
    struct Stat st;
    int rc, i;

    zoo_create_op_init(&ops[0], p("/m"), "m", 1, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
    zoo_set_op_init(&ops[1], p("/m"), "n", 1, 0, &st);
    zoo_check_op_init(&ops[2], p("/m"), 1);
    zoo_delete_op_init(&ops[3], p("/m"), 1);
    rc = zoo_multi(zh, 4, ops, res);
    out("multi %d path=%s set_version=%d", rc, rel(path), st.version);
    for (i = 0; i < 4; i++)
        out("  result %d err=%d", i, res[i].err);
    zoo_create_op_init(&ops[0], p("/m2"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, path, sizeof(path));
    zoo_delete_op_init(&ops[1], p("/nope"), -1);
    zoo_check_op_init(&ops[2], p("/a"), 0);
    rc = zoo_multi(zh, 3, ops, res);
    out("failing multi %d", rc);
    for (i = 0; i < 3; i++)
        out("  result %d err=%d", i, res[i].err);
    out("m2 absent %d", zoo_exists(zh, p("/m2"), 0, &st));
    zoo_create_op_init(&ops[0], p("/m3"), NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, path, 3);
    out("amulti %d", zoo_amulti(zh, 1, ops, res, void_done, "amulti"));
    expect("done amulti", 15000);
    out("  result err=%d path=%s", res[0].err, path);
    out("empty multi %d", zoo_multi(zh, 0, ops, res));
    out("delete m3 %d", zoo_delete(zh, p("/m3"), -1));
}

/* ---- the remaining calls: servers, watcher and context, config ---- */
static void other_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    watcher(zh, type, state, path, ctx);
}

static void test_misc(zhandle_t *zh) {
    char buf[512];
    int len = sizeof(buf);
    struct Stat st;
    void_completion_t removed = void_done;

    out("set_servers %d", zoo_set_servers(zh, hosts));
    out("resolution delay %d", zoo_set_servers_resolution_delay(zh, 100));
    out("current server kept %d", strcmp(zoo_get_current_server(zh), hosts) == 0);
    out("set_watcher returns old %d", zoo_set_watcher(zh, other_watcher) == watcher);
    out("set_watcher returns new %d", zoo_set_watcher(zh, watcher) == other_watcher);
    zoo_set_context(zh, "ctx2");
    out("context %s", (const char *)zoo_get_context(zh));
    out("exists with new context %d", zoo_exists(zh, p("/a"), 1, &st));
    out("set %d", zoo_set(zh, p("/a"), "ctx", 3, -1));
    expect_ctx("watch type=3", "ctx2", 15000);
    zoo_set_context(zh, "main");
    out("wgetconfig %d", zoo_wgetconfig(zh, watcher, "cfg", buf, &len, &st));
    out("awgetconfig %d", zoo_awgetconfig(zh, watcher, "cfg", data_done, "awgetconfig-ignored") == ZOK);
    expect("done awgetconfig", 15000);
    len = sizeof(buf);
    out("reconfig %d", zoo_reconfig(zh, NULL, NULL, "server.1=127.0.0.1:2888:3888;2181", -1, buf, &len, &st));
    out("areconfig %d", zoo_areconfig(zh, NULL, "2", NULL, -1, data_done, "areconfig"));
    expect("done areconfig", 15000);
    out("acreate_ttl %d", zoo_acreate_ttl(zh, p("/ttl3"), "t", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 60000, string_done, "acreate_ttl"));
    out("acreate2_ttl %d", zoo_acreate2_ttl(zh, p("/ttl4"), "t", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL, 60000, string_stat_done, "acreate2_ttl"));
    out("awexists %d", zoo_awexists(zh, p("/ttl3"), watcher, "rmw", stat_done, "awexists"));
    expect("done acreate_ttl", 15000);
    expect("done acreate2_ttl", 15000);
    expect("done awexists", 15000);
    out("aremove_watches %d", zoo_aremove_watches(zh, p("/ttl3"), ZWATCHTYPE_DATA, watcher, "rmw", 0, (void_completion_t *)removed, "aremove_watches"));
    expect("done aremove_watches", 15000);
    out("awget %d", zoo_awget(zh, p("/ttl3"), watcher, "rmall", data_done, "awget"));
    expect("done awget", 15000);
    out("aremove_all_watches %d", zoo_aremove_all_watches(zh, p("/ttl3"), ZWATCHTYPE_ANY, 0, (void_completion_t *)removed, "aremove_all_watches"));
    expect("done aremove_all_watches", 15000);
    out("aremove_all_watches none %d", zoo_aremove_all_watches(zh, p("/ttl3"), ZWATCHTYPE_ANY, 0, (void_completion_t *)removed, "none"));
    drain(300);
    zoo_cycle_next_server(zh);
    out("state after cycle %d", zoo_state(zh));
}

/* ---- session expiry: a second handle on the same session closes it ---- */
static void test_expiry(void) {
    zhandle_t *a = connect_to(hosts, "expiring", NULL), *b;
    clientid_t cid = *zoo_client_id(a);
    char buf[8];
    int len = sizeof(buf);

    out("wexists before expiry %d", zoo_wexists(a, p("/a"), watcher, "exp", NULL));
    b = zookeeper_init(hosts, NULL, 10000, &cid, NULL, 0);
    CHECK(b != NULL);
    for (int i = 0; i < 100 && zoo_state(b) != ZOO_CONNECTED_STATE; i++)
        usleep(50000);
    CHECK(zoo_state(b) == ZOO_CONNECTED_STATE);
    out("close resumed %d", zookeeper_close(b));
    expect_ctx("watch type=-1 state=-112", "expiring", 15000);
    out("state %d unrecoverable %d", zoo_state(a), is_unrecoverable(a));
    out("get after expiry %d", zoo_get(a, p("/a"), 0, buf, &len, NULL));
    out("aget after expiry %d", zoo_aget(a, p("/a"), 0, data_done, "x"));
    drain(300);
    out("close expired %d", zookeeper_close(a));
}

/* ---- reconnection to the same session after a server restart ---- */
static void test_restart(zhandle_t *zh) {
    char line[16];
    int64_t before = zoo_client_id(zh)->client_id;
    struct Stat st;
    zhandle_t *other;

    out("wexists %d", zoo_wexists(zh, p("/a"), watcher, "survives", &st));
    /* Registers the global watcher itself on a node: session events must
     * still reach it once. */
    out("exists watch %d", zoo_exists(zh, p("/a"), 1, &st));
    out("RESTART");
    if (!fgets(line, sizeof(line), stdin))
        exit(1);
    expect_ctx("watch type=-1 state=1", "main", 15000);
    out("more disconnect events for main: %d", take_matching("watch type=-1 state=1", "main", 0));
    expect_ctx("watch type=-1 state=3", "main", 30000);
    out("more connect events for main: %d", take_matching("watch type=-1 state=3", "main", 500));
    CHECK(zoo_client_id(zh)->client_id == before);
    out("same session after restart");
    other = connect_to(hosts, "other", NULL);
    out("set from other %d", zoo_set(other, p("/a"), "after", 5, -1));
    expect_ctx("watch type=3", "survives", 15000);
    zookeeper_close(other);
}

/* ---- extensions: sync calls and close inside callbacks ---- */
static zhandle_t *cb_handle;
static void sync_in_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    struct Stat st;
    (void)state; (void)path; (void)ctx;
    if (type == ZOO_CHANGED_EVENT)
        push("in-callback exists=%d", zoo_exists(zh, p("/a"), 0, &st));
}
static void close_in_completion(int rc, const struct Stat *st, const void *d) {
    (void)st; (void)d;
    push("closing in completion rc=%d close=%d", rc, zookeeper_close(cb_handle));
}

static void test_extensions(zhandle_t *zh) {
    struct Stat st;
    out("wexists %d", zoo_wexists(zh, p("/a"), sync_in_watcher, NULL, &st));
    out("set %d", zoo_set(zh, p("/a"), "cb", 2, -1));
    expect("in-callback", 15000);
    cb_handle = connect_to(hosts, "closing", NULL);
    out("aexists %d", zoo_aexists(cb_handle, p("/a"), 0, close_in_completion, NULL));
    expect("closing in completion", 15000);
    out("state after close %d", zoo_state(cb_handle));
    out("call after close %d", zoo_exists(cb_handle, p("/a"), 0, &st));
}

static void cleanup(zhandle_t *zh, const char *path) {
    struct String_vector kids;
    char child[256];
    if (zoo_get_children(zh, path, 0, &kids) == ZOK) {
        for (int i = 0; i < kids.count; i++) {
            snprintf(child, sizeof(child), "%s/%s", path, kids.data[i]);
            cleanup(zh, child);
        }
        deallocate_String_vector(&kids);
    }
    zoo_delete(zh, path, -1);
}

int main(int argc, char **argv) {
    zhandle_t *zh;
    CHECK(argc >= 3);
    snprintf(hosts, sizeof(hosts), "%s", argv[1]);
    snprintf(root, sizeof(root), "%s", argv[2]);
    zoo_set_debug_level(0);
    zoo_deterministic_conn_order(1);
    zh = connect_to(hosts, "main", NULL);
    main_zh = zh;
    out("== sync");
    test_sync(zh);
    out("== acl");
    test_acl(zh);
    out("== watches");
    test_watches(zh);
    out("== async");
    test_async(zh);
    out("== multi");
    test_multi(zh);
    out("== misc");
    test_misc(zh);
    out("== expiry");
    test_expiry();
    out("== restart");
    test_restart(zh);
    if (argc > 3 && strcmp(argv[3], "--extensions") == 0) {
        out("== extensions");
        test_extensions(zh);
    }
    cleanup(zh, root);
    out("== close %d", zookeeper_close(zh));
    return 0;
}
