--TEST--
zookeeper.wake_signal=1: an event interrupts a long sleep() and its callback runs right after
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--INI--
zookeeper.wake_signal=1
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$base = zk_base($zk, 'wake');
$fired = false;
$zk->exists("$base/flag", function () use (&$fired) { $fired = true; });
[$proc, $pipes] = zk_spawn_php('
    $zk = new Zookeeper(getenv("ZK_TEST_HOSTS"));
    while ($zk->getState() != Zookeeper::CONNECTED_STATE) usleep(10000);
    usleep(300000);
    $zk->create(getenv("FLAG"), "x");
', ['FLAG' => "$base/flag"]);
$start = microtime(true);
$left = sleep(30);
$elapsed = microtime(true) - $start;
$after = $fired;    // the callback ran before this statement
var_dump($left > 0, $elapsed < 10, $after);
proc_close($proc);
zk_rmr($zk, $base);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
