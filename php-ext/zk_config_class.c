/* class ZookeeperConfig: the ensemble configuration (zoo_getconfig/zoo_reconfig). */
#include "php_zookeeper.h"

zend_class_entry *php_zk_config_ce;
static zend_object_handlers conf_handlers;

typedef struct {
	zend_object *zk_obj; /* counted reference to the owning Zookeeper object */
	zend_object std;
} php_zk_conf_t;

static inline php_zk_conf_t *conf_from_obj(zend_object *obj)
{
	return (php_zk_conf_t *)((char *)obj - XtOffsetOf(php_zk_conf_t, std));
}

static zend_object *conf_create(zend_class_entry *ce)
{
	php_zk_conf_t *c = zend_object_alloc(sizeof(php_zk_conf_t), ce);
	zend_object_std_init(&c->std, ce);
	object_properties_init(&c->std, ce);
	c->std.handlers = &conf_handlers;
	return &c->std;
}

static void conf_free(zend_object *obj)
{
	php_zk_conf_t *c = conf_from_obj(obj);
	if (c->zk_obj) {
		OBJ_RELEASE(c->zk_obj);
		c->zk_obj = NULL;
	}
	zend_object_std_dtor(obj);
}

static HashTable *conf_get_gc(zend_object *obj, zval **table, int *n)
{
	php_zk_conf_t *c = conf_from_obj(obj);
	zend_get_gc_buffer *buf = zend_get_gc_buffer_create();
	if (c->zk_obj) {
		zend_get_gc_buffer_add_obj(buf, c->zk_obj);
	}
	zend_get_gc_buffer_use(buf, table, n);
	return zend_std_get_properties(obj);
}

void php_zk_config_new(zval *out, zend_object *zk_obj)
{
	object_init_ex(out, php_zk_config_ce);
	GC_ADDREF(zk_obj);
	conf_from_obj(Z_OBJ_P(out))->zk_obj = zk_obj;
}

static php_zk_t *conf_fetch(zval *this_zv)
{
	php_zk_conf_t *c = conf_from_obj(Z_OBJ_P(this_zv));
	php_zk_t *zk;
	php_zk_dispatch();
	if (EG(exception)) {
		return NULL;
	}
	if (!c->zk_obj || !(zk = php_zk_from_obj(c->zk_obj))->zh) {
		php_zk_throw(PHPZK_CONNECT_NOT_CALLED);
		return NULL;
	}
	return zk;
}

#define CONFIG_BUFFER 65536

/* {{{ ZookeeperConfig::get(?callable $watcher_cb = null, &$stat_info = null) */
PHP_METHOD(ZookeeperConfig, get)
{
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	zval *stat_info = NULL;
	zk_token *t;
	struct Stat stat;
	char *buffer;
	int length = CONFIG_BUFFER, rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "|f!z", &fci, &fcc, &stat_info) == FAILURE) {
		RETURN_THROWS();
	}
	if (!(zk = conf_fetch(ZEND_THIS))) {
		RETURN_THROWS();
	}
	t = php_zk_token_for(zk, ZK_TOKEN_NODE, &fci);
	buffer = emalloc(length);
	rc = zoo_wgetconfig(zk->zh, t ? php_zk_watcher_marshal : NULL, t, buffer, &length, &stat);
	if (rc != ZOK) {
		efree(buffer);
		php_zk_token_cancel(zk, t);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	php_zk_return_data(return_value, buffer, length, stat_info, &stat);
}
/* }}} */

static void reconfig(INTERNAL_FUNCTION_PARAMETERS, int which)
{
	char *members, *buffer;
	size_t members_len;
	zend_long version = -1;
	zval *stat_info = NULL;
	struct Stat stat;
	int length = CONFIG_BUFFER, rc;
	php_zk_t *zk;

	if (zend_parse_parameters(ZEND_NUM_ARGS(), "s|lz", &members, &members_len, &version, &stat_info) == FAILURE) {
		RETURN_THROWS();
	}
	if (!(zk = conf_fetch(ZEND_THIS))) {
		RETURN_THROWS();
	}
	buffer = emalloc(length);
	rc = zoo_reconfig(zk->zh, which == 0 ? members : NULL, which == 1 ? members : NULL,
		which == 2 ? members : NULL, (int64_t)version, buffer, &length, &stat);
	if (rc != ZOK) {
		efree(buffer);
		php_zk_throw(rc);
		RETURN_THROWS();
	}
	php_zk_return_data(return_value, buffer, length, stat_info, &stat);
}

/* {{{ ZookeeperConfig::add(string $members, int $version = -1, &$stat_info = null) */
PHP_METHOD(ZookeeperConfig, add)
{
	reconfig(INTERNAL_FUNCTION_PARAM_PASSTHRU, 0);
}
/* }}} */

/* {{{ ZookeeperConfig::remove(string $members, int $version = -1, &$stat_info = null) */
PHP_METHOD(ZookeeperConfig, remove)
{
	reconfig(INTERNAL_FUNCTION_PARAM_PASSTHRU, 1);
}
/* }}} */

/* {{{ ZookeeperConfig::set(string $members, int $version = -1, &$stat_info = null) */
PHP_METHOD(ZookeeperConfig, set)
{
	reconfig(INTERNAL_FUNCTION_PARAM_PASSTHRU, 2);
}
/* }}} */

ZEND_BEGIN_ARG_INFO_EX(arginfo_conf_get, 0, 0, 0)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, watcher_cb, "null")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(1, stat_info, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_conf_members, 0, 0, 1)
	ZEND_ARG_INFO(0, members)
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(0, version, "-1")
	ZEND_ARG_INFO_WITH_DEFAULT_VALUE(1, stat_info, "null")
ZEND_END_ARG_INFO()

static const zend_function_entry conf_methods[] = {
	PHP_ME(ZookeeperConfig, get, arginfo_conf_get, ZEND_ACC_PUBLIC)
	PHP_ME(ZookeeperConfig, set, arginfo_conf_members, ZEND_ACC_PUBLIC)
	PHP_ME(ZookeeperConfig, add, arginfo_conf_members, ZEND_ACC_PUBLIC)
	PHP_ME(ZookeeperConfig, remove, arginfo_conf_members, ZEND_ACC_PUBLIC)
	PHP_FE_END
};

void php_zk_config_register(void)
{
	zend_class_entry ce;
	INIT_CLASS_ENTRY(ce, "ZookeeperConfig", conf_methods);
	php_zk_config_ce = zend_register_internal_class(&ce);
	php_zk_config_ce->create_object = conf_create;
	memcpy(&conf_handlers, zend_get_std_object_handlers(), sizeof conf_handlers);
	conf_handlers.offset = XtOffsetOf(php_zk_conf_t, std);
	conf_handlers.free_obj = conf_free;
	conf_handlers.get_gc = conf_get_gc;
	conf_handlers.clone_obj = NULL;
}
