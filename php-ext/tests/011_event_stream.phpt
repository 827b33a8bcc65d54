--TEST--
zookeeper_event_stream(): readable for stream_select while callbacks are pending
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$other = zk_connected();
$base = zk_base($zk, 'stream');
$stream = zookeeper_event_stream();
var_dump(is_resource($stream));
$r = [$stream]; $w = $e = null;
var_dump(stream_select($r, $w, $e, 0, 200000));

$fired = 0;
$zk->getChildren($base, function () use (&$fired) { $fired++; });
// The change comes from another process while this one blocks in select.
[$proc, $pipes] = zk_spawn_php('
    $zk = new Zookeeper(getenv("ZK_TEST_HOSTS"));
    while ($zk->getState() != Zookeeper::CONNECTED_STATE) usleep(10000);
    usleep(300000);
    $zk->create(getenv("CHILD"), "x");
', ['CHILD' => "$base/c"]);
$r = [$stream]; $w = $e = null;
$start = microtime(true);
$n = stream_select($r, $w, $e, 10);
var_dump($n, microtime(true) - $start < 5);
proc_close($proc);
zookeeper_dispatch();
var_dump($fired);
$r = [$stream]; $w = $e = null;
var_dump(stream_select($r, $w, $e, 0, 100000));
zk_rmr($other, $base);
?>
--EXPECT--
bool(true)
int(0)
int(1)
bool(true)
int(1)
int(0)
