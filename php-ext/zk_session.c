/* session.save_handler = zookeeper; session.save_path = the host list.
 *
 * Session data lives in /php-sessid/<id>. With zookeeper.session_lock on, a
 * request holds the ephemeral node /php-sessid/<id>-lock from read to close,
 * so concurrent requests of one session run one after another; a crashed
 * holder's lock vanishes with its ZooKeeper session. */
#include "php_zookeeper.h"

#ifdef HAVE_ZOOKEEPER_SESSION

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ext/session/php_session.h"
#include "SAPI.h"

#define SESS_PARENT "/php-sessid"
#define SESS_LOCK_SUFFIX "-lock"
#define SESS_DEFAULT_LOCK_MAXWAIT 30

PS_FUNCS(zookeeper);
static ps_module ps_mod_zookeeper = { PS_MOD(zookeeper) };

/* One connection per process, reused across requests for the same host list. */
static char *cached_hosts;
static zhandle_t *cached_zh;

typedef struct {
	zhandle_t *zh;
	int locked;
	char lock_path[sizeof(SESS_PARENT) + 512 + sizeof(SESS_LOCK_SUFFIX)];
} zk_sess_t;

static void drop_cached(void)
{
	if (cached_zh) {
		zookeeper_close(cached_zh);
		cached_zh = NULL;
	}
	free(cached_hosts);
	cached_hosts = NULL;
}

static zhandle_t *connection_for(const char *hosts)
{
	if (cached_zh && cached_hosts && strcmp(cached_hosts, hosts) == 0) {
		int state = zoo_state(cached_zh);
		if (state != ZOO_EXPIRED_SESSION_STATE && state != ZOO_AUTH_FAILED_STATE) {
			return cached_zh;
		}
	}
	drop_cached();
	cached_zh = zookeeper_init(hosts, NULL, (int)(ZK_G(recv_timeout) > 0 ? ZK_G(recv_timeout) : 10000), NULL, NULL, 0);
	if (cached_zh) {
		cached_hosts = strdup(hosts);
	}
	return cached_zh;
}

static int ensure_parent(zhandle_t *zh)
{
	int rc = zoo_create(zh, SESS_PARENT, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
	return rc == ZOK || rc == ZNODEEXISTS;
}

static int valid_key(zend_string *key)
{
	return ZSTR_LEN(key) > 0 && ZSTR_LEN(key) <= 512 && !memchr(ZSTR_VAL(key), '/', ZSTR_LEN(key));
}

static int node_path(char *out, size_t size, zend_string *key, const char *suffix)
{
	int n = snprintf(out, size, "%s/%s%s", SESS_PARENT, ZSTR_VAL(key), suffix);
	return n > 0 && (size_t)n < size;
}

static int acquire_lock(zk_sess_t *s, zend_string *key)
{
	zend_long wait_us = ZK_G(sess_lock_wait) > 0 ? ZK_G(sess_lock_wait) : 150000;
	zend_long max_wait = zend_ini_long(ZEND_STRL("max_execution_time"), 0);
	time_t deadline;

	if (!node_path(s->lock_path, sizeof s->lock_path, key, SESS_LOCK_SUFFIX)) {
		return 0;
	}
	if (max_wait <= 0) {
		max_wait = SESS_DEFAULT_LOCK_MAXWAIT;
	}
	deadline = time(NULL) + max_wait;
	for (;;) {
		int rc = zoo_create(s->zh, s->lock_path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0);
		if (rc == ZOK) {
			s->locked = 1;
			return 1;
		}
		if (rc == ZNONODE) {
			if (!ensure_parent(s->zh)) {
				return 0;
			}
			continue;
		}
		if (rc != ZNODEEXISTS || time(NULL) >= deadline) {
			return 0;
		}
		usleep((useconds_t)wait_us);
	}
}

static void release_lock(zk_sess_t *s)
{
	if (s->locked) {
		zoo_delete(s->zh, s->lock_path, -1);
		s->locked = 0;
	}
}

PS_OPEN_FUNC(zookeeper)
{
	zk_sess_t *s;
	zhandle_t *zh;

	(void)session_name;
	if (!save_path || !*save_path) {
		php_error_docref(NULL, E_WARNING, "session.save_path must name the ZooKeeper hosts");
		return FAILURE;
	}
	zh = connection_for(save_path);
	if (!zh) {
		php_error_docref(NULL, E_WARNING, "could not initialize a ZooKeeper handle for \"%s\"", save_path);
		return FAILURE;
	}
	s = ecalloc(1, sizeof *s);
	s->zh = zh;
	PS_SET_MOD_DATA(s);
	return SUCCESS;
}

PS_CLOSE_FUNC(zookeeper)
{
	zk_sess_t *s = PS_GET_MOD_DATA();
	if (s) {
		release_lock(s);
		efree(s);
		PS_SET_MOD_DATA(NULL);
	}
	return SUCCESS;
}

PS_READ_FUNC(zookeeper)
{
	zk_sess_t *s = PS_GET_MOD_DATA();
	char path[sizeof(SESS_PARENT) + 513];
	struct Stat stat;
	char *buffer;
	int length, rc;

	if (!s || !valid_key(key) || !node_path(path, sizeof path, key, "")) {
		return FAILURE;
	}
	if (ZK_G(session_lock) && !s->locked && !acquire_lock(s, key)) {
		php_error_docref(NULL, E_WARNING, "could not acquire the session lock %s", s->lock_path);
		return FAILURE;
	}
	length = PHPZK_READ_GUESS;
	buffer = emalloc(length);
	rc = zoo_get(s->zh, path, 0, buffer, &length, &stat);
	if (rc == ZOK) {
		rc = php_zk_read_whole(s->zh, path, &buffer, &length, &stat);
	}
	if (rc == ZNONODE) {
		efree(buffer);
		*val = ZSTR_EMPTY_ALLOC();
		return SUCCESS;
	}
	if (rc != ZOK) {
		efree(buffer);
		return FAILURE;
	}
	if (maxlifetime > 0 && stat.mtime < ((int64_t)time(NULL) - maxlifetime) * 1000) {
		efree(buffer);
		zoo_delete(s->zh, path, -1);
		*val = ZSTR_EMPTY_ALLOC();
		return SUCCESS;
	}
	*val = length > 0 ? zend_string_init(buffer, length, 0) : ZSTR_EMPTY_ALLOC();
	efree(buffer);
	return SUCCESS;
}

PS_WRITE_FUNC(zookeeper)
{
	zk_sess_t *s = PS_GET_MOD_DATA();
	char path[sizeof(SESS_PARENT) + 513];
	int rc;

	(void)maxlifetime;
	if (!s || !valid_key(key) || !node_path(path, sizeof path, key, "")) {
		return FAILURE;
	}
	rc = zoo_set(s->zh, path, ZSTR_VAL(val), (int)ZSTR_LEN(val), -1);
	if (rc == ZNONODE) {
		rc = zoo_create(s->zh, path, ZSTR_VAL(val), (int)ZSTR_LEN(val), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
		if (rc == ZNONODE && ensure_parent(s->zh)) {
			rc = zoo_create(s->zh, path, ZSTR_VAL(val), (int)ZSTR_LEN(val), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
		}
	}
	return rc == ZOK ? SUCCESS : FAILURE;
}

PS_DESTROY_FUNC(zookeeper)
{
	zk_sess_t *s = PS_GET_MOD_DATA();
	char path[sizeof(SESS_PARENT) + 513];
	int rc;

	if (!s || !valid_key(key) || !node_path(path, sizeof path, key, "")) {
		return FAILURE;
	}
	rc = zoo_delete(s->zh, path, -1);
	return rc == ZOK || rc == ZNONODE ? SUCCESS : FAILURE;
}

PS_GC_FUNC(zookeeper)
{
	zk_sess_t *s = PS_GET_MOD_DATA();
	struct String_vector children;
	zend_long removed = 0;
	int64_t oldest = ((int64_t)time(NULL) - maxlifetime) * 1000;
	int i;

	if (!s || zoo_get_children(s->zh, SESS_PARENT, 0, &children) != ZOK) {
		return -1;
	}
	for (i = 0; i < children.count; i++) {
		char path[1024];
		struct Stat stat;
		size_t len = strlen(children.data[i]);
		if (len > strlen(SESS_LOCK_SUFFIX) &&
			strcmp(children.data[i] + len - strlen(SESS_LOCK_SUFFIX), SESS_LOCK_SUFFIX) == 0) {
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", SESS_PARENT, children.data[i]);
		if (zoo_exists(s->zh, path, 0, &stat) == ZOK && stat.mtime < oldest &&
			zoo_delete(s->zh, path, stat.version) == ZOK) {
			removed++;
		}
	}
	deallocate_String_vector(&children);
	if (nrdels) {
		*nrdels = removed;
	}
	return removed;
}

void php_zk_session_minit(void)
{
	php_session_register_module(&ps_mod_zookeeper);
}

void php_zk_session_mshutdown(void)
{
	drop_cached();
}

#endif
