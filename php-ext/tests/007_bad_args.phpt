--TEST--
Wrong argument types and counts raise TypeError/ArgumentCountError
--SKIPIF--
<?php if (!extension_loaded('zookeeper')) die('skip'); ?>
--FILE--
<?php
$zk = new Zookeeper();
$cases = [
    fn() => new Zookeeper([]),
    fn() => new Zookeeper('h', 'no_such_function'),
    fn() => new Zookeeper('h', null, 'abc'),
    fn() => new Zookeeper('a', null, 1, 2),
    fn() => $zk->connect(),
    fn() => $zk->connect([]),
    fn() => $zk->close(1),
    fn() => $zk->create('/x'),
    fn() => $zk->create('/x', []),
    fn() => $zk->create('/x', 'v', 'acl'),
    fn() => $zk->create('/x', 'v', null, 'flags'),
    fn() => $zk->delete(),
    fn() => $zk->delete('/x', 'v'),
    fn() => $zk->get(),
    fn() => $zk->get('/x', 1),
    fn() => $zk->get('/x', null, $s, 'big'),
    fn() => $zk->getChildren([]),
    fn() => $zk->getChildren('/', 'nope'),
    fn() => $zk->exists(),
    fn() => $zk->exists('/', new stdClass),
    fn() => $zk->set('/x'),
    fn() => $zk->set('/x', []),
    fn() => $zk->set('/x', 'v', 'ver'),
    fn() => $zk->getAcl(),
    fn() => $zk->setAcl('/x', 0),
    fn() => $zk->setAcl('/x', 'v', []),
    fn() => $zk->setAcl('/x', 0, 'acl'),
    fn() => $zk->getClientId(1),
    fn() => $zk->getState(1),
    fn() => $zk->getRecvTimeout(1),
    fn() => $zk->isRecoverable(1),
    fn() => Zookeeper::setDebugLevel(),
    fn() => Zookeeper::setDebugLevel('loud'),
    fn() => Zookeeper::setDeterministicConnOrder([]),
    fn() => $zk->addAuth('digest'),
    fn() => $zk->addAuth('digest', 'a:b', 'nope'),
    fn() => $zk->setWatcher(),
    fn() => $zk->setWatcher(null),
    fn() => $zk->setLogStream(),
    fn() => $zk->setLogStream('/tmp/x', ''),
    fn() => Zookeeper::dispatch(1),
    fn() => $zk->getConfig(1),
    fn() => zookeeper_dispatch(1),
    fn() => zookeeper_event_stream(1),
    fn() => (new ZookeeperConfig())->get('nope'),
    fn() => (new ZookeeperConfig())->add(),
    fn() => (new ZookeeperConfig())->remove([]),
    fn() => (new ZookeeperConfig())->set('m', 'v'),
];
foreach ($cases as $case) {
    try {
        $case();
        echo "no error\n";
    } catch (Error $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
try {
    clone $zk;
} catch (Error $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
?>
--EXPECT--
TypeError: Zookeeper::__construct(): Argument #1 ($host) must be of type string, array given
TypeError: Zookeeper::__construct(): Argument #2 ($watcher_cb) must be a valid callback or null, function "no_such_function" not found or invalid function name
TypeError: Zookeeper::__construct(): Argument #3 ($recv_timeout) must be of type int, string given
ArgumentCountError: Zookeeper::__construct() expects at most 3 arguments, 4 given
ArgumentCountError: Zookeeper::connect() expects at least 1 argument, 0 given
TypeError: Zookeeper::connect(): Argument #1 ($host) must be of type string, array given
ArgumentCountError: Zookeeper::close() expects exactly 0 arguments, 1 given
ArgumentCountError: Zookeeper::create() expects at least 2 arguments, 1 given
TypeError: Zookeeper::create(): Argument #2 ($value) must be of type ?string, array given
TypeError: Zookeeper::create(): Argument #3 ($acl) must be of type ?array, string given
TypeError: Zookeeper::create(): Argument #4 ($flags) must be of type int, string given
ArgumentCountError: Zookeeper::delete() expects at least 1 argument, 0 given
TypeError: Zookeeper::delete(): Argument #2 ($version) must be of type int, string given
ArgumentCountError: Zookeeper::get() expects at least 1 argument, 0 given
TypeError: Zookeeper::get(): Argument #2 ($watcher_cb) must be a valid callback or null, no array or string given
TypeError: Zookeeper::get(): Argument #4 ($max_size) must be of type int, string given
TypeError: Zookeeper::getChildren(): Argument #1 ($path) must be of type string, array given
TypeError: Zookeeper::getChildren(): Argument #2 ($watcher_cb) must be a valid callback or null, function "nope" not found or invalid function name
ArgumentCountError: Zookeeper::exists() expects at least 1 argument, 0 given
TypeError: Zookeeper::exists(): Argument #2 ($watcher_cb) must be a valid callback or null, no array or string given
ArgumentCountError: Zookeeper::set() expects at least 2 arguments, 1 given
TypeError: Zookeeper::set(): Argument #2 ($value) must be of type ?string, array given
TypeError: Zookeeper::set(): Argument #3 ($version) must be of type int, string given
ArgumentCountError: Zookeeper::getAcl() expects exactly 1 argument, 0 given
ArgumentCountError: Zookeeper::setAcl() expects exactly 3 arguments, 2 given
TypeError: Zookeeper::setAcl(): Argument #2 ($version) must be of type int, string given
TypeError: Zookeeper::setAcl(): Argument #3 ($acl) must be of type array, string given
ArgumentCountError: Zookeeper::getClientId() expects exactly 0 arguments, 1 given
ArgumentCountError: Zookeeper::getState() expects exactly 0 arguments, 1 given
ArgumentCountError: Zookeeper::getRecvTimeout() expects exactly 0 arguments, 1 given
ArgumentCountError: Zookeeper::isRecoverable() expects exactly 0 arguments, 1 given
ArgumentCountError: Zookeeper::setDebugLevel() expects exactly 1 argument, 0 given
TypeError: Zookeeper::setDebugLevel(): Argument #1 ($level) must be of type int, string given
TypeError: Zookeeper::setDeterministicConnOrder(): Argument #1 ($trueOrFalse) must be of type bool, array given
ArgumentCountError: Zookeeper::addAuth() expects at least 2 arguments, 1 given
TypeError: Zookeeper::addAuth(): Argument #3 ($completion_cb) must be a valid callback, function "nope" not found or invalid function name
ArgumentCountError: Zookeeper::setWatcher() expects exactly 1 argument, 0 given
TypeError: Zookeeper::setWatcher(): Argument #1 ($watcher_cb) must be a valid callback, no array or string given
ArgumentCountError: Zookeeper::setLogStream() expects exactly 1 argument, 0 given
ArgumentCountError: Zookeeper::setLogStream() expects exactly 1 argument, 2 given
ArgumentCountError: Zookeeper::dispatch() expects exactly 0 arguments, 1 given
ArgumentCountError: Zookeeper::getConfig() expects exactly 0 arguments, 1 given
ArgumentCountError: zookeeper_dispatch() expects exactly 0 arguments, 1 given
ArgumentCountError: zookeeper_event_stream() expects exactly 0 arguments, 1 given
TypeError: ZookeeperConfig::get(): Argument #1 ($watcher_cb) must be a valid callback or null, function "nope" not found or invalid function name
ArgumentCountError: ZookeeperConfig::add() expects at least 1 argument, 0 given
TypeError: ZookeeperConfig::remove(): Argument #1 ($members) must be of type string, array given
TypeError: ZookeeperConfig::set(): Argument #2 ($version) must be of type int, string given
Error: Trying to clone an uncloneable object of class Zookeeper
