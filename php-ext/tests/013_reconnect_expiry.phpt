--TEST--
Connection loss keeps the session and its watches; session expiry with watches set is reported and recoverable by connect()
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; if (!is_executable('/usr/bin/python3')) die('skip needs /usr/bin/python3'); ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$admin = zk_connected();
$base = zk_base($admin, 'expiry');
$admin->create("$base/n", 'a');

$relay = new ZkRelay();
$states = [];
$zk = zk_connected($relay->hosts(), function ($t, $s, $p) use (&$states) { $states[] = $s; }, 4000);
$fired = [];
$zk->get("$base/n", function ($t, $s, $p) use (&$fired) { $fired[] = "get $t"; });
$zk->exists("$base/gone", function ($t, $s, $p) use (&$fired) { $fired[] = "exists $t"; });
$sid = $zk->getClientId()[0];

// Cut the connection briefly: same session, watches survive.
$relay->stop();
zk_wait(fn() => $zk->getState() != Zookeeper::CONNECTED_STATE, 5);
$admin->set("$base/n", 'b');
$relay->start();
zk_wait(function () use (&$fired) { return count($fired) > 0; }, 10);
var_dump($zk->getClientId()[0] == $sid, $fired);
zk_wait(fn() => $zk->getState() == Zookeeper::CONNECTED_STATE);
var_dump(in_array(Zookeeper::CONNECTING_STATE, $states), $zk->getState() == Zookeeper::CONNECTED_STATE);

// Cut it past the session timeout: the session expires on the server.
$zk->get("$base/n", function ($t, $s, $p) use (&$fired) { $fired[] = "get2 $t"; });
$relay->stop();
zk_wait(fn() => $zk->getState() != Zookeeper::CONNECTED_STATE, 5);
// Well past the 4 s timeout plus the server's 2 s expiry tick.
sleep(8);
$relay->start();
var_dump(zk_wait(function () use (&$states) { return in_array(Zookeeper::EXPIRED_SESSION_STATE, $states); }, 20));
var_dump($zk->getState() == Zookeeper::EXPIRED_SESSION_STATE, $zk->isRecoverable());
try {
    $zk->get("$base/n");
} catch (ZookeeperException $e) {
    echo get_class($e), ' ', $e->getCode(), "\n";
}
$admin->set("$base/n", 'c');
usleep(300000);
zookeeper_dispatch();
var_dump(count($fired));

// A new session on the same object, with a new watch.
$zk->connect($relay->hosts(), null, 4000);
zk_wait(fn() => $zk->getState() == Zookeeper::CONNECTED_STATE);
$zk->get("$base/n", function ($t) use (&$fired) { $fired[] = "get3 $t"; });
$admin->delete("$base/n");
zk_wait(function () use (&$fired) { return count($fired) > 1; });
var_dump(end($fired));
$zk->close();
zk_rmr($admin, $base);
?>
--EXPECT--
bool(true)
array(1) {
  [0]=>
  string(5) "get 3"
}
bool(true)
bool(true)
bool(true)
bool(true)
bool(false)
ZookeeperException -9
int(1)
string(6) "get3 2"
