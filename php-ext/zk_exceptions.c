/* Exception classes and the library-error-code -> exception mapping pecl uses. */
#include "php_zookeeper.h"
#include "Zend/zend_exceptions.h"

zend_class_entry *php_zk_base_exception_ce;
static zend_class_entry *optimeout_ce, *connection_ce, *marshalling_ce, *auth_ce, *session_ce, *nonode_ce;

static zend_class_entry *register_child(const char *name)
{
	zend_class_entry ce;
	INIT_CLASS_ENTRY_EX(ce, name, strlen(name), NULL);
	return zend_register_internal_class_ex(&ce, php_zk_base_exception_ce);
}

void php_zk_register_exceptions(void)
{
	zend_class_entry ce;
	INIT_CLASS_ENTRY(ce, "ZookeeperException", NULL);
	php_zk_base_exception_ce = zend_register_internal_class_ex(&ce, zend_ce_exception);
	optimeout_ce = register_child("ZookeeperOperationTimeoutException");
	connection_ce = register_child("ZookeeperConnectionException");
	marshalling_ce = register_child("ZookeeperMarshallingException");
	auth_ce = register_child("ZookeeperAuthenticationException");
	session_ce = register_child("ZookeeperSessionException");
	nonode_ce = register_child("ZookeeperNoNodeException");
}

void php_zk_throw(int rc)
{
	zend_class_entry *ce = php_zk_base_exception_ce;
	const char *message = NULL;

	switch (rc) {
	case PHPZK_CONNECT_NOT_CALLED:
		ce = connection_ce;
		message = "Zookeeper->connect() was not called";
		break;
	case PHPZK_INITIALIZATION_FAILURE:
		ce = connection_ce;
		message = "Failed to initialize ZooKeeper C Client, perhaps not enough memory.";
		break;
	case ZCONNECTIONLOSS:
		ce = connection_ce;
		break;
	case ZOPERATIONTIMEOUT:
		ce = optimeout_ce;
		break;
	case ZMARSHALLINGERROR:
		ce = marshalling_ce;
		break;
	case ZNOAUTH:
	case ZAUTHFAILED:
		ce = auth_ce;
		break;
	case ZSESSIONEXPIRED:
	case ZSESSIONMOVED:
		ce = session_ce;
		break;
	case ZNONODE:
		ce = nonode_ce;
		break;
	}
	if (!message) {
		message = zerror(rc);
	}
	zend_throw_exception_ex(ce, rc, "%s", message);
}
