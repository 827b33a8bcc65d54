--TEST--
Module, classes, functions, ini settings and the API's parameter names
--SKIPIF--
<?php if (!extension_loaded('zookeeper')) die('skip'); ?>
--FILE--
<?php
var_dump(extension_loaded('zookeeper'));
foreach (['ZookeeperOperationTimeoutException', 'ZookeeperConnectionException', 'ZookeeperMarshallingException',
          'ZookeeperAuthenticationException', 'ZookeeperSessionException', 'ZookeeperNoNodeException'] as $c) {
    echo $c, ' ', get_parent_class($c), "\n";
}
echo get_parent_class('ZookeeperException'), "\n";
var_dump(function_exists('zookeeper_dispatch'), function_exists('zookeeper_event_stream'));
var_dump(ini_get('zookeeper.recv_timeout'), ini_get('zookeeper.session_lock'), ini_get('zookeeper.sess_lock_wait'));
foreach ([new ReflectionClass('Zookeeper'), new ReflectionClass('ZookeeperConfig')] as $rc) {
    foreach ($rc->getMethods() as $m) {
        $ps = [];
        foreach ($m->getParameters() as $p) {
            $ps[] = ($p->isPassedByReference() ? '&' : '') . '$' . $p->getName()
                . ($p->isOptional() ? ' = ' . $p->getDefaultValueConstantName() . var_export($p->getDefaultValue(), true) : '');
        }
        echo ($m->isStatic() ? 'static ' : ''), $rc->getName(), '::', $m->getName(), '(', implode(', ', $ps), ")\n";
    }
}
?>
--EXPECT--
bool(true)
ZookeeperOperationTimeoutException ZookeeperException
ZookeeperConnectionException ZookeeperException
ZookeeperMarshallingException ZookeeperException
ZookeeperAuthenticationException ZookeeperException
ZookeeperSessionException ZookeeperException
ZookeeperNoNodeException ZookeeperException
Exception
bool(true)
bool(true)
string(5) "10000"
string(1) "1"
string(6) "150000"
Zookeeper::__construct($host = '', $watcher_cb = NULL, $recv_timeout = 10000)
Zookeeper::connect($host, $watcher_cb = NULL, $recv_timeout = 10000)
Zookeeper::close()
Zookeeper::create($path, $value, $acl = NULL, $flags = 0)
Zookeeper::delete($path, $version = -1)
Zookeeper::get($path, $watcher_cb = NULL, &$stat_info = NULL, $max_size = 0)
Zookeeper::getChildren($path, $watcher_cb = NULL)
Zookeeper::exists($path, $watcher_cb = NULL)
Zookeeper::set($path, $value, $version = -1, &$stat_info = NULL)
Zookeeper::getAcl($path)
Zookeeper::setAcl($path, $version, $acl)
Zookeeper::getClientId()
Zookeeper::getState()
Zookeeper::getRecvTimeout()
Zookeeper::isRecoverable()
static Zookeeper::setDebugLevel($level)
static Zookeeper::setDeterministicConnOrder($trueOrFalse)
Zookeeper::addAuth($scheme, $cert, $completion_cb = NULL)
Zookeeper::setWatcher($watcher_cb)
Zookeeper::setLogStream($stream)
static Zookeeper::dispatch()
Zookeeper::getConfig()
ZookeeperConfig::get($watcher_cb = NULL, &$stat_info = NULL)
ZookeeperConfig::set($members, $version = -1, &$stat_info = NULL)
ZookeeperConfig::add($members, $version = -1, &$stat_info = NULL)
ZookeeperConfig::remove($members, $version = -1, &$stat_info = NULL)
