--TEST--
getConfig(): ZookeeperConfig get/set/add/remove against a standalone server
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$config = $zk->getConfig();
var_dump(get_class($config));
$data = $config->get(null, $stat);
var_dump(is_string($data) || $data === null, isset($stat['version']));
foreach (['add' => 'server.9=127.0.0.1:2888:3888;2181', 'remove' => '9', 'set' => 'server.1=127.0.0.1:2888:3888;2181'] as $m => $arg) {
    try {
        $config->$m($arg);
        echo "$m: accepted\n";
    } catch (ZookeeperException $e) {
        echo "$m: ", get_class($e), ' ', $e->getCode(), "\n";
    }
}
// The config object keeps its Zookeeper alive, and follows its state.
$zk2 = zk_connected();
$c2 = $zk2->getConfig();
unset($zk2);
var_dump(is_string($c2->get()) || true);
$zk->close();
try { $config->get(); } catch (ZookeeperConnectionException $e) { echo $e->getMessage(), "\n"; }
?>
--EXPECT--
string(15) "ZookeeperConfig"
bool(true)
bool(true)
add: ZookeeperException -123
remove: ZookeeperException -123
set: ZookeeperException -123
bool(true)
Zookeeper->connect() was not called
