--TEST--
Methods on an unconnected or closed object throw ZookeeperConnectionException
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$calls = [
    'close' => [], 'create' => ['/x', 'v'], 'delete' => ['/x'], 'get' => ['/x'], 'getChildren' => ['/'],
    'exists' => ['/'], 'set' => ['/x', 'v'], 'getAcl' => ['/'], 'setAcl' => ['/', 0, []],
    'getClientId' => [], 'getState' => [], 'getRecvTimeout' => [], 'isRecoverable' => [],
    'addAuth' => ['digest', 'a:b'], 'setWatcher' => ['strlen'], 'getConfig' => [],
];
$fresh = new Zookeeper();
$closed = zk_connected();
$closed->close();
foreach (['fresh' => $fresh, 'closed' => $closed] as $label => $zk) {
    foreach ($calls as $m => $args) {
        try {
            $zk->$m(...$args);
            echo "$label $m: no exception\n";
        } catch (ZookeeperConnectionException $e) {
            if ($e->getMessage() !== 'Zookeeper->connect() was not called' || $e->getCode() !== 5998) {
                echo "$label $m: ", $e->getMessage(), "\n";
            }
        }
    }
}
$conf = new ZookeeperConfig();
try { $conf->get(); } catch (ZookeeperConnectionException $e) { echo $e->getMessage(), "\n"; }
// Static methods need no connection.
var_dump(Zookeeper::setDebugLevel(Zookeeper::LOG_LEVEL_ERROR), Zookeeper::setDeterministicConnOrder(true), Zookeeper::dispatch());
echo "done\n";
?>
--EXPECT--
Zookeeper->connect() was not called
bool(true)
bool(true)
NULL
done
