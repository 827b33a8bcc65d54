/* zookeeper extension: the pecl zookeeper 1.x API on libzookeeper_mt. */
#ifndef PHP_ZOOKEEPER_H
#define PHP_ZOOKEEPER_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <php.h>
/* the synchronous API of libzookeeper_mt is only declared for threaded builds */
#ifndef THREADED
#define THREADED 1
#endif
#include <zookeeper.h>

extern zend_module_entry zookeeper_module_entry;
#define phpext_zookeeper_ptr &zookeeper_module_entry

/* API level of the pecl extension this one is compatible with. */
#define PHP_ZOOKEEPER_VERSION "1.3.0"

/* Extension-specific codes, the values pecl uses. */
#define PHPZK_CONNECT_NOT_CALLED 5998
#define PHPZK_INITIALIZATION_FAILURE 5999

ZEND_BEGIN_MODULE_GLOBALS(zookeeper)
	zend_long recv_timeout;
	zend_bool session_lock;
	zend_long sess_lock_wait;
	zend_bool wake_signal;
ZEND_END_MODULE_GLOBALS(zookeeper)

ZEND_EXTERN_MODULE_GLOBALS(zookeeper)
#define ZK_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(zookeeper, v)

#if defined(ZTS) && defined(COMPILE_DL_ZOOKEEPER)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

/* A PHP Zookeeper object. Callables live here, never in memory the library's
 * threads can see; the library only ever receives zk_token pointers. */
typedef struct zk_token zk_token;

typedef struct {
	zhandle_t *zh;
	uint32_t id;             /* key in the live-object registry */
	uint32_t next_cb_id;
	HashTable callbacks;     /* cb id -> callable zval */
	zk_token *tokens;        /* every token handed to the library for zh */
	zk_token *session_token; /* the handle's default watcher */
	zend_object std;
} php_zk_t;

static inline php_zk_t *php_zk_from_obj(zend_object *obj)
{
	return (php_zk_t *)((char *)obj - XtOffsetOf(php_zk_t, std));
}
#define Z_ZK_P(zv) php_zk_from_obj(Z_OBJ_P(zv))

extern zend_class_entry *php_zk_ce;
extern zend_class_entry *php_zk_config_ce;

/* zk_exceptions.c */
void php_zk_register_exceptions(void);
void php_zk_throw(int rc);
extern zend_class_entry *php_zk_base_exception_ce;

/* zk_acl_stat.c */
void php_zk_stat_to_array(const struct Stat *stat, zval *out);
int php_zk_acl_from_array(zval *arr, struct ACL_vector *aclv);
void php_zk_acl_free(struct ACL_vector *aclv);
void php_zk_acl_to_array(const struct ACL_vector *aclv, zval *out);
void php_zk_default_acl_array(zval *out);
void php_zk_assign_stat(zval *ref, const struct Stat *stat);
void php_zk_return_data(zval *return_value, char *buffer, int length, zval *stat_ref, const struct Stat *stat);

/* php_zookeeper.c */
/* First buffer size for a node read whole: most nodes fit, so one read does. */
#define PHPZK_READ_GUESS 4096
int php_zk_read_whole(zhandle_t *zh, const char *path, char **buffer, int *length, struct Stat *stat);

/* zk_events.c: token kinds */
enum zk_token_kind { ZK_TOKEN_SESSION, ZK_TOKEN_NODE, ZK_TOKEN_COMPLETION };

void php_zk_events_minit(void);
void php_zk_events_mshutdown(void);
void php_zk_events_rinit(void);
void php_zk_events_rshutdown(void);
void php_zk_dispatch(void);
zk_token *php_zk_token_new(php_zk_t *zk, enum zk_token_kind kind, uint32_t cb_id);
void php_zk_token_release(php_zk_t *zk, zk_token *token);
void php_zk_tokens_free_all(php_zk_t *zk);
void php_zk_purge_object_events(uint32_t obj_id);
void php_zk_watcher_marshal(zhandle_t *zh, int type, int state, const char *path, void *ctx);
void php_zk_completion_marshal(int rc, const void *ctx);
int php_zk_event_fd(void);
uint32_t php_zk_registry_add(zend_object *obj);
void php_zk_registry_remove(uint32_t id);
/* A one-shot token for the callable a method was given (NULL when none was),
 * and its undoing when the library call failed and so holds no reference. */
zk_token *php_zk_token_for(php_zk_t *zk, enum zk_token_kind kind, zend_fcall_info *fci);
void php_zk_token_cancel(php_zk_t *zk, zk_token *token);

/* zk_config_class.c */
void php_zk_config_register(void);
void php_zk_config_new(zval *out, zend_object *zk_obj);

/* zk_session.c */
#ifdef HAVE_ZOOKEEPER_SESSION
void php_zk_session_minit(void);
void php_zk_session_mshutdown(void);
#endif

#endif
