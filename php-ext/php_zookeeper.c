/* zookeeper extension: class Zookeeper, module setup, ini, phpinfo. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "php_zookeeper.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ext/standard/info.h"
#include "main/php_streams.h"
#include "Zend/zend_exceptions.h"
#include "Zend/zend_interfaces.h"

ZEND_DECLARE_MODULE_GLOBALS(zookeeper)

zend_class_entry *php_zk_ce;
static zend_object_handlers zk_handlers;

/* The handle's default watcher always uses this callback slot. */
#define SESSION_CB_ID 1

/* The FILE handed to the library's logger; ours to close. */
static FILE *log_file_owned;

/* {{{ object lifecycle */
static zend_object *zk_create_object(zend_class_entry *ce)
{
	php_zk_t *zk = zend_object_alloc(sizeof(php_zk_t), ce);
	zend_object_std_init(&zk->std, ce);
	object_properties_init(&zk->std, ce);
	zk->std.handlers = &zk_handlers;
	zend_hash_init(&zk->callbacks, 4, NULL, ZVAL_PTR_DTOR, 0);
	zk->next_cb_id = SESSION_CB_ID;
	zk->id = php_zk_registry_add(&zk->std);
	return &zk->std;
}

/* Ends the library session; afterwards no library thread can refer to zk. */
static void zk_close_handle(php_zk_t *zk)
{
	if (zk->zh) {
		zhandle_t *zh = zk->zh;
		zk->zh = NULL;
		zookeeper_close(zh);
	}
	php_zk_purge_object_events(zk->id);
	php_zk_tokens_free_all(zk);
	zend_hash_clean(&zk->callbacks);
}

static void zk_free_object(zend_object *obj)
{
	php_zk_t *zk = php_zk_from_obj(obj);
	zk_close_handle(zk);
	php_zk_registry_remove(zk->id);
	zend_hash_destroy(&zk->callbacks);
	zend_object_std_dtor(obj);
}

/* Callables may capture $this: expose them to the cycle collector. */
static HashTable *zk_get_gc(zend_object *obj, zval **table, int *n)
{
	php_zk_t *zk = php_zk_from_obj(obj);
	*table = NULL;
	*n = 0;
	return &zk->callbacks;
}
/* }}} */

/* Runs pending callbacks, then requires a live handle. A callback may have
 * closed this very object, hence the order. */
#define ZK_FETCH(zk)                                  \
	do {                                              \
		php_zk_dispatch();                            \
		if (EG(exception)) {                          \
			RETURN_THROWS();                          \
		}                                             \
		(zk) = Z_ZK_P(ZEND_THIS);                     \
		if (!(zk)->zh) {                              \
			php_zk_throw(PHPZK_CONNECT_NOT_CALLED);   \
			RETURN_THROWS();                          \
		}                                             \
	} while (0)

static void zk_connect(INTERNAL_FUNCTION_PARAMETERS, const char *host, zend_fcall_info *fci, zend_long recv_timeout)
{
	php_zk_t *zk = Z_ZK_P(ZEND_THIS);
	zhandle_t *zh;

	if (recv_timeout <= 0) {
		php_zk_throw(ZBADARGUMENTS);
		php_error_docref(NULL, E_WARNING, "recv_timeout parameter has to be greater than 0");
		return;
	}
	if (recv_timeout > INT32_MAX) {
		recv_timeout = INT32_MAX;
	}
	php_zk_dispatch();
	if (EG(exception)) {
		return;
	}
	/* Reconnecting replaces the previous session. */
	zk_close_handle(zk);
	if (fci->size) {
		zval copy;
		ZVAL_COPY(&copy, &fci->function_name);
		zend_hash_index_update(&zk->callbacks, SESSION_CB_ID, &copy);
	}
	zk->session_token = php_zk_token_new(zk, ZK_TOKEN_SESSION, SESSION_CB_ID);
	zh = zookeeper_init(host, php_zk_watcher_marshal, (int)recv_timeout, NULL, zk->session_token, 0);
	if (!zh) {
		php_zk_tokens_free_all(zk);
		zend_hash_clean(&zk->callbacks);
		php_zk_throw(PHPZK_INITIALIZATION_FAILURE);
		return;
	}
	zk->zh = zh;
}

/* {{{ Zookeeper::__construct(string $host = '', ?callable $watcher_cb = null, int $recv_timeout = 10000) */
PHP_METHOD(Zookeeper, __construct)
{
	char *host = NULL;
	size_t host_len = 0;
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	zend_long recv_timeout = ZK_G(recv_timeout);

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "|sf!l", &host, &host_len, &fci, &fcc, &recv_timeout) == FAILURE) {
		RETURN_THROWS();
	}
	if (host_len > 0) {
		zk_connect(INTERNAL_FUNCTION_PARAM_PASSTHRU, host, &fci, recv_timeout);
	}
}
/* }}} */

/* {{{ Zookeeper::connect(string $host, ?callable $watcher_cb = null, int $recv_timeout = 10000) */
PHP_METHOD(Zookeeper, connect)
{
	char *host;
	size_t host_len;
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	zend_long recv_timeout = ZK_G(recv_timeout);

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s|f!l", &host, &host_len, &fci, &fcc, &recv_timeout) == FAILURE) {
		RETURN_THROWS();
	}
	zk_connect(INTERNAL_FUNCTION_PARAM_PASSTHRU, host, &fci, recv_timeout);
}
/* }}} */

/* {{{ Zookeeper::close() */
PHP_METHOD(Zookeeper, close)
{
	php_zk_t *zk;
	ZEND_PARSE_PARAMETERS_NONE();
	ZK_FETCH(zk);
	zk_close_handle(zk);
}
/* }}} */

/* {{{ Zookeeper::create(string $path, ?string $value, ?array $acl = null, int $flags = 0) */
PHP_METHOD(Zookeeper, create)
{
	char *path, *value = NULL, *realpath;
	size_t path_len, value_len = 0;
	zval *acl = NULL, default_acl;
	zend_long flags = 0;
	struct ACL_vector aclv;
	int rc, realpath_max;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "ss!|a!l", &path, &path_len, &value, &value_len, &acl, &flags) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	ZVAL_UNDEF(&default_acl);
	if (!acl) {
		php_zk_default_acl_array(&default_acl);
		acl = &default_acl;
	}
	php_zk_acl_from_array(acl, &aclv);
	zval_ptr_dtor(&default_acl);
	/* room for the 10-digit sequence suffix */
	realpath_max = (int)path_len + 12;
	realpath = emalloc(realpath_max);
	rc = zoo_create(zk->zh, path, value, value ? (int)value_len : -1, &aclv, (int)flags, realpath, realpath_max);
	php_zk_acl_free(&aclv);
	if (rc != ZOK) {
		efree(realpath);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	RETVAL_STRING(realpath);
	efree(realpath);
}
/* }}} */

/* {{{ Zookeeper::delete(string $path, int $version = -1) */
PHP_METHOD(Zookeeper, delete)
{
	char *path;
	size_t path_len;
	zend_long version = -1;
	int rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s|l", &path, &path_len, &version) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	rc = zoo_delete(zk->zh, path, (int)version);
	if (rc != ZOK) {
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	RETURN_TRUE;
}
/* }}} */

/* {{{ Zookeeper::getChildren(string $path, ?callable $watcher_cb = null) */
PHP_METHOD(Zookeeper, getChildren)
{
	char *path;
	size_t path_len;
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	struct String_vector children;
	zk_token *t;
	int rc, i;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s|f!", &path, &path_len, &fci, &fcc) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	t = php_zk_token_for(zk, ZK_TOKEN_NODE, &fci);
	memset(&children, 0, sizeof children);
	rc = zoo_wget_children(zk->zh, path, t ? php_zk_watcher_marshal : NULL, t, &children);
	if (rc != ZOK) {
		php_zk_token_cancel(zk, t);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	array_init(return_value);
	for (i = 0; i < children.count; i++) {
		add_next_index_string(return_value, children.data[i]);
	}
	deallocate_String_vector(&children);
}
/* }}} */

/* After a read that returned *length bytes into *buffer: while the node holds
 * more (it outgrew the buffer), read it again, whole, into a buffer that fits. */
int php_zk_read_whole(zhandle_t *zh, const char *path, char **buffer, int *length, struct Stat *stat)
{
	int rc = ZOK;
	while (rc == ZOK && stat->dataLength > 0 && stat->dataLength > *length) {
		*length = stat->dataLength;
		*buffer = erealloc(*buffer, *length);
		rc = zoo_get(zh, path, 0, *buffer, length, stat);
	}
	return rc;
}

/* {{{ Zookeeper::get(string $path, ?callable $watcher_cb = null, &$stat_info = null, int $max_size = 0) */
PHP_METHOD(Zookeeper, get)
{
	char *path, *buffer;
	size_t path_len;
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	zval *stat_info = NULL;
	zend_long max_size = 0;
	struct Stat stat;
	zk_token *t;
	int rc, length;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s|f!zl", &path, &path_len, &fci, &fcc, &stat_info, &max_size) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	if (max_size <= 0) {
		length = PHPZK_READ_GUESS;
	} else {
		length = max_size > INT32_MAX ? INT32_MAX : (int)max_size;
	}
	t = php_zk_token_for(zk, ZK_TOKEN_NODE, &fci);
	buffer = emalloc(length);
	rc = zoo_wget(zk->zh, path, t ? php_zk_watcher_marshal : NULL, t, buffer, &length, &stat);
	if (rc != ZOK) {
		efree(buffer);
		php_zk_token_cancel(zk, t);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	/* Without max_size the whole value is returned; the watch is set already. */
	if (max_size <= 0 && (rc = php_zk_read_whole(zk->zh, path, &buffer, &length, &stat)) != ZOK) {
		efree(buffer);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	php_zk_return_data(return_value, buffer, length, stat_info, &stat);
}
/* }}} */

/* {{{ Zookeeper::exists(string $path, ?callable $watcher_cb = null) */
PHP_METHOD(Zookeeper, exists)
{
	char *path;
	size_t path_len;
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	struct Stat stat;
	zk_token *t;
	int rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s|f!", &path, &path_len, &fci, &fcc) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	t = php_zk_token_for(zk, ZK_TOKEN_NODE, &fci);
	rc = zoo_wexists(zk->zh, path, t ? php_zk_watcher_marshal : NULL, t, &stat);
	if (rc == ZNONODE) {
		/* the library keeps the watch: it fires on creation */
		RETURN_FALSE;
	}
	if (rc != ZOK) {
		php_zk_token_cancel(zk, t);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	php_zk_stat_to_array(&stat, return_value);
}
/* }}} */

/* {{{ Zookeeper::set(string $path, ?string $value, int $version = -1, &$stat_info = null) */
PHP_METHOD(Zookeeper, set)
{
	char *path, *value = NULL;
	size_t path_len, value_len = 0;
	zend_long version = -1;
	zval *stat_info = NULL;
	struct Stat stat;
	int rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "ss!|lz", &path, &path_len, &value, &value_len, &version, &stat_info) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	rc = zoo_set2(zk->zh, path, value, value ? (int)value_len : -1, (int)version, &stat);
	if (rc != ZOK) {
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	if (stat_info) {
		php_zk_assign_stat(stat_info, &stat);
	}
	RETURN_TRUE;
}
/* }}} */

/* {{{ Zookeeper::getClientId() */
PHP_METHOD(Zookeeper, getClientId)
{
	const clientid_t *cid;
	php_zk_t *zk;

	ZEND_PARSE_PARAMETERS_NONE();
	ZK_FETCH(zk);
	cid = zoo_client_id(zk->zh);
	array_init(return_value);
	add_next_index_long(return_value, (zend_long)cid->client_id);
	/* pecl returns the password up to its first NUL byte */
	add_next_index_stringl(return_value, cid->passwd, strnlen(cid->passwd, sizeof cid->passwd));
}
/* }}} */

/* {{{ Zookeeper::getAcl(string $path) */
PHP_METHOD(Zookeeper, getAcl)
{
	char *path;
	size_t path_len;
	struct ACL_vector aclv;
	struct Stat stat;
	zval stat_zv, acl_zv;
	int rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s", &path, &path_len) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	memset(&aclv, 0, sizeof aclv);
	rc = zoo_get_acl(zk->zh, path, &aclv, &stat);
	if (rc != ZOK) {
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	ZVAL_NULL(&stat_zv);
	php_zk_stat_to_array(&stat, &stat_zv);
	php_zk_acl_to_array(&aclv, &acl_zv);
	deallocate_ACL_vector(&aclv);
	array_init(return_value);
	add_next_index_zval(return_value, &stat_zv);
	add_next_index_zval(return_value, &acl_zv);
}
/* }}} */

/* {{{ Zookeeper::setAcl(string $path, int $version, array $acl) */
PHP_METHOD(Zookeeper, setAcl)
{
	char *path;
	size_t path_len;
	zend_long version;
	zval *acl;
	struct ACL_vector aclv;
	int rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "sla", &path, &path_len, &version, &acl) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	php_zk_acl_from_array(acl, &aclv);
	rc = zoo_set_acl(zk->zh, path, (int)version, &aclv);
	php_zk_acl_free(&aclv);
	if (rc != ZOK) {
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	RETURN_TRUE;
}
/* }}} */

/* {{{ Zookeeper::getState() */
PHP_METHOD(Zookeeper, getState)
{
	php_zk_t *zk;
	ZEND_PARSE_PARAMETERS_NONE();
	ZK_FETCH(zk);
	RETURN_LONG(zoo_state(zk->zh));
}
/* }}} */

/* {{{ Zookeeper::getRecvTimeout() */
PHP_METHOD(Zookeeper, getRecvTimeout)
{
	php_zk_t *zk;
	ZEND_PARSE_PARAMETERS_NONE();
	ZK_FETCH(zk);
	RETURN_LONG(zoo_recv_timeout(zk->zh));
}
/* }}} */

/* {{{ Zookeeper::isRecoverable() */
PHP_METHOD(Zookeeper, isRecoverable)
{
	php_zk_t *zk;
	ZEND_PARSE_PARAMETERS_NONE();
	ZK_FETCH(zk);
	RETURN_BOOL(is_unrecoverable(zk->zh) == ZOK);
}
/* }}} */

/* {{{ static Zookeeper::setDebugLevel(int $level) */
PHP_METHOD(Zookeeper, setDebugLevel)
{
	zend_long level;
	if (zend_parse_parameters(ZEND_NUM_ARGS(), "l", &level) == FAILURE) {
		RETURN_THROWS();
	}
	zoo_set_debug_level((ZooLogLevel)level);
	RETURN_TRUE;
}
/* }}} */

/* {{{ static Zookeeper::setDeterministicConnOrder(bool $trueOrFalse) */
PHP_METHOD(Zookeeper, setDeterministicConnOrder)
{
	zend_bool value;
	if (zend_parse_parameters(ZEND_NUM_ARGS(), "b", &value) == FAILURE) {
		RETURN_THROWS();
	}
	zoo_deterministic_conn_order(value);
	RETURN_TRUE;
}
/* }}} */

/* {{{ Zookeeper::addAuth(string $scheme, string $cert, ?callable $completion_cb = null) */
PHP_METHOD(Zookeeper, addAuth)
{
	char *scheme, *cert;
	size_t scheme_len, cert_len;
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	zk_token *t;
	int rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "ss|f", &scheme, &scheme_len, &cert, &cert_len, &fci, &fcc) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	t = php_zk_token_for(zk, ZK_TOKEN_COMPLETION, &fci);
	rc = zoo_add_auth(zk->zh, scheme, cert, (int)cert_len, t ? php_zk_completion_marshal : NULL, t);
	if (rc != ZOK) {
		php_zk_token_cancel(zk, t);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	RETURN_TRUE;
}
/* }}} */

/* {{{ Zookeeper::setWatcher(callable $watcher_cb) */
PHP_METHOD(Zookeeper, setWatcher)
{
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	zval copy;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "f", &fci, &fcc) == FAILURE) {
		RETURN_THROWS();
	}
	ZK_FETCH(zk);
	/* The handle's watcher token stays; only the callable in its slot changes. */
	ZVAL_COPY(&copy, &fci.function_name);
	zend_hash_index_update(&zk->callbacks, SESSION_CB_ID, &copy);
	RETURN_TRUE;
}
/* }}} */

static void release_log_stream(void)
{
	zoo_set_log_stream(NULL);
	if (log_file_owned) {
		fclose(log_file_owned);
		log_file_owned = NULL;
	}
}

/* {{{ Zookeeper::setLogStream(resource|string $stream)
   The library writes from its own threads, so it gets a C FILE on a duplicate
   of the stream's descriptor; PHP stream code never runs on those threads and
   only streams backed by a descriptor are accepted. */
PHP_METHOD(Zookeeper, setLogStream)
{
	zval *zstream;
	FILE *fp = NULL;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "z", &zstream) == FAILURE) {
		RETURN_THROWS();
	}
	if (Z_TYPE_P(zstream) == IS_RESOURCE) {
		php_stream *stream;
		int fd = -1;
		int dupfd;
		php_stream_from_zval(stream, zstream);
		if (php_stream_cast(stream, PHP_STREAM_AS_FD | PHP_STREAM_CAST_INTERNAL, (void **)&fd, 0) == FAILURE || fd < 0) {
			php_error_docref(NULL, E_WARNING, "the log stream must be backed by a file descriptor");
			RETURN_FALSE;
		}
		php_stream_flush(stream);
		if ((dupfd = dup(fd)) < 0 || !(fp = fdopen(dupfd, "a"))) {
			if (dupfd >= 0) {
				close(dupfd);
			}
			php_error_docref(NULL, E_WARNING, "could not duplicate the log stream");
			RETURN_FALSE;
		}
	} else {
		zend_string *name = zval_try_get_string(zstream);
		if (!name) {
			RETURN_THROWS();
		}
		if (php_check_open_basedir(ZSTR_VAL(name)) || !(fp = fopen(ZSTR_VAL(name), "a"))) {
			php_error_docref(NULL, E_WARNING, "could not open log file \"%s\"", ZSTR_VAL(name));
			zend_string_release(name);
			RETURN_FALSE;
		}
		zend_string_release(name);
	}
	release_log_stream();
	setvbuf(fp, NULL, _IOLBF, 0);
	log_file_owned = fp;
	zoo_set_log_stream(fp);
	RETURN_TRUE;
}
/* }}} */

/* {{{ static Zookeeper::dispatch() */
PHP_METHOD(Zookeeper, dispatch)
{
	ZEND_PARSE_PARAMETERS_NONE();
	php_zk_dispatch();
}
/* }}} */

/* {{{ Zookeeper::getConfig() */
PHP_METHOD(Zookeeper, getConfig)
{
	php_zk_t *zk;
	ZEND_PARSE_PARAMETERS_NONE();
	ZK_FETCH(zk);
	php_zk_config_new(return_value, &zk->std);
}
/* }}} */

/* {{{ zookeeper_dispatch() */
PHP_FUNCTION(zookeeper_dispatch)
{
	ZEND_PARSE_PARAMETERS_NONE();
	php_zk_dispatch();
}
/* }}} */

PHP_FUNCTION(zookeeper_event_stream);

/* {{{ arginfo: parameter names are API (named arguments) */
ZEND_BEGIN_ARG_INFO_EX(arginfo___construct, 0, 0, 0)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, host, "\'\'")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, watcher_cb, "null")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, recv_timeout, "10000")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_connect, 0, 0, 1)
	ZEND_ARG_INFO(0, host)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, watcher_cb, "null")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, recv_timeout, "10000")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_create, 0, 0, 2)
	ZEND_ARG_INFO(0, path)
	ZEND_ARG_INFO(0, value)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, acl, "null")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, flags, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_delete, 0, 0, 1)
	ZEND_ARG_INFO(0, path)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, version, "-1")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_path_watcher, 0, 0, 1)
	ZEND_ARG_INFO(0, path)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, watcher_cb, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_get, 0, 0, 1)
	ZEND_ARG_INFO(0, path)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, watcher_cb, "null")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(1, stat_info, "null")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, max_size, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_set, 0, 0, 2)
	ZEND_ARG_INFO(0, path)
	ZEND_ARG_INFO(0, value)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, version, "-1")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(1, stat_info, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_none, 0, 0, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_getAcl, 0, 0, 1)
	ZEND_ARG_INFO(0, path)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_setAcl, 0, 0, 3)
	ZEND_ARG_INFO(0, path)
	ZEND_ARG_INFO(0, version)
	ZEND_ARG_INFO(0, acl)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_setDebugLevel, 0, 0, 1)
	ZEND_ARG_INFO(0, level)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_setDeterministicConnOrder, 0, 0, 1)
	ZEND_ARG_INFO(0, trueOrFalse)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_addAuth, 0, 0, 2)
	ZEND_ARG_INFO(0, scheme)
	ZEND_ARG_INFO(0, cert)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, completion_cb, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_setWatcher, 0, 0, 1)
	ZEND_ARG_INFO(0, watcher_cb)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_setLogStream, 0, 0, 1)
	ZEND_ARG_INFO(0, stream)
ZEND_END_ARG_INFO()
/* }}} */

static const zend_function_entry zookeeper_methods[] = {
	PHP_ME(Zookeeper, __construct, arginfo___construct, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, connect, arginfo_connect, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, close, arginfo_none, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, create, arginfo_create, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, delete, arginfo_delete, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, get, arginfo_get, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, getChildren, arginfo_path_watcher, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, exists, arginfo_path_watcher, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, set, arginfo_set, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, getAcl, arginfo_getAcl, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, setAcl, arginfo_setAcl, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, getClientId, arginfo_none, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, getState, arginfo_none, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, getRecvTimeout, arginfo_none, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, isRecoverable, arginfo_none, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, setDebugLevel, arginfo_setDebugLevel, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Zookeeper, setDeterministicConnOrder, arginfo_setDeterministicConnOrder, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Zookeeper, addAuth, arginfo_addAuth, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, setWatcher, arginfo_setWatcher, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, setLogStream, arginfo_setLogStream, ZEND_ACC_PUBLIC)
	PHP_ME(Zookeeper, dispatch, arginfo_none, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Zookeeper, getConfig, arginfo_none, ZEND_ACC_PUBLIC)
	PHP_FE_END
};

static const zend_function_entry zookeeper_functions[] = {
	PHP_FE(zookeeper_dispatch, arginfo_none)
	PHP_FE(zookeeper_event_stream, arginfo_none)
	PHP_FE_END
};

static void register_constants(void)
{
#define ZK_CONST(name, value) zend_declare_class_constant_long(php_zk_ce, name, sizeof(name) - 1, (zend_long)(value))
	ZK_CONST("PERM_READ", ZOO_PERM_READ);
	ZK_CONST("PERM_WRITE", ZOO_PERM_WRITE);
	ZK_CONST("PERM_CREATE", ZOO_PERM_CREATE);
	ZK_CONST("PERM_DELETE", ZOO_PERM_DELETE);
	ZK_CONST("PERM_ADMIN", ZOO_PERM_ADMIN);
	ZK_CONST("PERM_ALL", ZOO_PERM_ALL);
	ZK_CONST("EPHEMERAL", ZOO_EPHEMERAL);
	ZK_CONST("SEQUENCE", ZOO_SEQUENCE);
	ZK_CONST("EXPIRED_SESSION_STATE", ZOO_EXPIRED_SESSION_STATE);
	ZK_CONST("AUTH_FAILED_STATE", ZOO_AUTH_FAILED_STATE);
	ZK_CONST("CONNECTING_STATE", ZOO_CONNECTING_STATE);
	ZK_CONST("ASSOCIATING_STATE", ZOO_ASSOCIATING_STATE);
	ZK_CONST("CONNECTED_STATE", ZOO_CONNECTED_STATE);
	ZK_CONST("NOTCONNECTED_STATE", ZOO_NOTCONNECTED_STATE);
	ZK_CONST("CREATED_EVENT", ZOO_CREATED_EVENT);
	ZK_CONST("DELETED_EVENT", ZOO_DELETED_EVENT);
	ZK_CONST("CHANGED_EVENT", ZOO_CHANGED_EVENT);
	ZK_CONST("CHILD_EVENT", ZOO_CHILD_EVENT);
	ZK_CONST("SESSION_EVENT", ZOO_SESSION_EVENT);
	ZK_CONST("NOTWATCHING_EVENT", ZOO_NOTWATCHING_EVENT);
	ZK_CONST("LOG_LEVEL_ERROR", ZOO_LOG_LEVEL_ERROR);
	ZK_CONST("LOG_LEVEL_WARN", ZOO_LOG_LEVEL_WARN);
	ZK_CONST("LOG_LEVEL_INFO", ZOO_LOG_LEVEL_INFO);
	ZK_CONST("LOG_LEVEL_DEBUG", ZOO_LOG_LEVEL_DEBUG);
	ZK_CONST("SYSTEMERROR", ZSYSTEMERROR);
	ZK_CONST("RUNTIMEINCONSISTENCY", ZRUNTIMEINCONSISTENCY);
	ZK_CONST("DATAINCONSISTENCY", ZDATAINCONSISTENCY);
	ZK_CONST("CONNECTIONLOSS", ZCONNECTIONLOSS);
	ZK_CONST("MARSHALLINGERROR", ZMARSHALLINGERROR);
	ZK_CONST("UNIMPLEMENTED", ZUNIMPLEMENTED);
	ZK_CONST("OPERATIONTIMEOUT", ZOPERATIONTIMEOUT);
	ZK_CONST("BADARGUMENTS", ZBADARGUMENTS);
	ZK_CONST("INVALIDSTATE", ZINVALIDSTATE);
	ZK_CONST("NEWCONFIGNOQUORUM", ZNEWCONFIGNOQUORUM);
	ZK_CONST("RECONFIGINPROGRESS", ZRECONFIGINPROGRESS);
	ZK_CONST("OK", ZOK);
	ZK_CONST("APIERROR", ZAPIERROR);
	ZK_CONST("NONODE", ZNONODE);
	ZK_CONST("NOAUTH", ZNOAUTH);
	ZK_CONST("BADVERSION", ZBADVERSION);
	ZK_CONST("NOCHILDRENFOREPHEMERALS", ZNOCHILDRENFOREPHEMERALS);
	ZK_CONST("NODEEXISTS", ZNODEEXISTS);
	ZK_CONST("NOTEMPTY", ZNOTEMPTY);
	ZK_CONST("SESSIONEXPIRED", ZSESSIONEXPIRED);
	ZK_CONST("INVALIDCALLBACK", ZINVALIDCALLBACK);
	ZK_CONST("INVALIDACL", ZINVALIDACL);
	ZK_CONST("AUTHFAILED", ZAUTHFAILED);
	ZK_CONST("CLOSING", ZCLOSING);
	ZK_CONST("NOTHING", ZNOTHING);
	ZK_CONST("SESSIONMOVED", ZSESSIONMOVED);
#undef ZK_CONST
}

PHP_INI_BEGIN()
	STD_PHP_INI_ENTRY("zookeeper.recv_timeout", "10000", PHP_INI_ALL, OnUpdateLongGEZero, recv_timeout, zend_zookeeper_globals, zookeeper_globals)
	STD_PHP_INI_BOOLEAN("zookeeper.session_lock", "1", PHP_INI_SYSTEM, OnUpdateBool, session_lock, zend_zookeeper_globals, zookeeper_globals)
	STD_PHP_INI_ENTRY("zookeeper.sess_lock_wait", "150000", PHP_INI_ALL, OnUpdateLongGEZero, sess_lock_wait, zend_zookeeper_globals, zookeeper_globals)
	STD_PHP_INI_BOOLEAN("zookeeper.wake_signal", "0", PHP_INI_SYSTEM, OnUpdateBool, wake_signal, zend_zookeeper_globals, zookeeper_globals)
PHP_INI_END()

static PHP_GINIT_FUNCTION(zookeeper)
{
#if defined(COMPILE_DL_ZOOKEEPER) && defined(ZTS)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	memset(zookeeper_globals, 0, sizeof(*zookeeper_globals));
}

PHP_MINIT_FUNCTION(zookeeper)
{
	zend_class_entry ce;

	REGISTER_INI_ENTRIES();
	INIT_CLASS_ENTRY(ce, "Zookeeper", zookeeper_methods);
	php_zk_ce = zend_register_internal_class(&ce);
	php_zk_ce->create_object = zk_create_object;
	memcpy(&zk_handlers, zend_get_std_object_handlers(), sizeof zk_handlers);
	zk_handlers.offset = XtOffsetOf(php_zk_t, std);
	zk_handlers.free_obj = zk_free_object;
	zk_handlers.get_gc = zk_get_gc;
	zk_handlers.clone_obj = NULL;
	register_constants();
	php_zk_register_exceptions();
	php_zk_config_register();
	zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
	php_zk_events_minit();
#ifdef HAVE_ZOOKEEPER_SESSION
	php_zk_session_minit();
#endif
	return SUCCESS;
}

PHP_MSHUTDOWN_FUNCTION(zookeeper)
{
#ifdef HAVE_ZOOKEEPER_SESSION
	php_zk_session_mshutdown();
#endif
	release_log_stream();
	php_zk_events_mshutdown();
	UNREGISTER_INI_ENTRIES();
	return SUCCESS;
}

PHP_RINIT_FUNCTION(zookeeper)
{
#if defined(COMPILE_DL_ZOOKEEPER) && defined(ZTS)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	php_zk_events_rinit();
	return SUCCESS;
}

PHP_RSHUTDOWN_FUNCTION(zookeeper)
{
	php_zk_events_rshutdown();
	return SUCCESS;
}

PHP_MINFO_FUNCTION(zookeeper)
{
	Dl_info info;
	const char *lib = "unknown";

	if (dladdr((void *)&zookeeper_init, &info) && info.dli_fname) {
		lib = info.dli_fname;
	}
	php_info_print_table_start();
	php_info_print_table_header(2, "zookeeper support", "enabled");
	php_info_print_table_row(2, "Extension version", PHP_ZOOKEEPER_VERSION);
	php_info_print_table_row(2, "Client library", "libzookeeper_mt");
	php_info_print_table_row(2, "Client library file", lib);
	php_info_print_table_row(2, "Client library version", ZOO_VERSION);
#ifdef HAVE_ZOOKEEPER_SESSION
	php_info_print_table_row(2, "Session handler", "available");
#else
	php_info_print_table_row(2, "Session handler", "disabled");
#endif
	php_info_print_table_end();
	DISPLAY_INI_ENTRIES();
}

static const zend_module_dep zookeeper_deps[] = {
#ifdef HAVE_ZOOKEEPER_SESSION
	ZEND_MOD_REQUIRED("session")
#endif
	ZEND_MOD_END
};

zend_module_entry zookeeper_module_entry = {
	STANDARD_MODULE_HEADER_EX,
	NULL,
	zookeeper_deps,
	"zookeeper",
	zookeeper_functions,
	PHP_MINIT(zookeeper),
	PHP_MSHUTDOWN(zookeeper),
	PHP_RINIT(zookeeper),
	PHP_RSHUTDOWN(zookeeper),
	PHP_MINFO(zookeeper),
	PHP_ZOOKEEPER_VERSION,
	PHP_MODULE_GLOBALS(zookeeper),
	PHP_GINIT(zookeeper),
	NULL,
	NULL,
	STANDARD_MODULE_PROPERTIES_EX
};

#ifdef COMPILE_DL_ZOOKEEPER
#ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
#endif
ZEND_GET_MODULE(zookeeper)
#endif
