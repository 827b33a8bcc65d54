--TEST--
__construct/connect: connecting, named arguments, ini default, invalid recv_timeout, reconnecting
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--INI--
zookeeper.recv_timeout=7000
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = new Zookeeper();
$zk->connect(zk_hosts());
zk_wait(fn() => $zk->getState() == Zookeeper::CONNECTED_STATE);
var_dump($zk->getState() == Zookeeper::CONNECTED_STATE, $zk->getRecvTimeout());
$first = $zk->getClientId()[0];

$events = [];
$zk2 = new Zookeeper(recv_timeout: 6000, host: zk_hosts(), watcher_cb: function ($t, $s, $p) use (&$events) {
    $events[] = [$t, $s, $p];
});
zk_wait(function () use (&$events) { return count($events) > 0; });
var_dump($events[0] === [Zookeeper::SESSION_EVENT, Zookeeper::CONNECTED_STATE, ''], $zk2->getRecvTimeout());

try {
    new Zookeeper(zk_hosts(), null, -1);
} catch (ZookeeperException $e) {
    echo get_class($e), ': ', $e->getMessage(), ' ', $e->getCode(), "\n";
}
try {
    $zk->connect(zk_hosts(), null, 0);
} catch (ZookeeperException $e) {
    echo get_class($e), ': ', $e->getMessage(), ' ', $e->getCode(), "\n";
}
// Reconnecting replaces the session.
$zk->connect(zk_hosts());
zk_wait(fn() => $zk->getState() == Zookeeper::CONNECTED_STATE);
var_dump($zk->getClientId()[0] != $first);
$zk->close();
$zk2->close();
echo "done\n";
?>
--EXPECTF--
bool(true)
int(7000)
bool(true)
int(6000)

Warning: Zookeeper::__construct(): recv_timeout parameter has to be greater than 0 in %s on line %d
ZookeeperException: bad arguments -8

Warning: Zookeeper::connect(): recv_timeout parameter has to be greater than 0 in %s on line %d
ZookeeperException: bad arguments -8
bool(true)
done
