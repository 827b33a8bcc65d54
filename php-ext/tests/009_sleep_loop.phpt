--TEST--
A plain sleep() loop receives watch events without calling the extension
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$base = zk_base($zk, 'sleep');
$fired = null;
$zk->exists("$base/flag", function ($type, $state, $path) use (&$fired) { $fired = [$type, basename($path)]; });

// Another process creates the node while this one only sleeps.
[$proc, $pipes] = zk_spawn_php('
    $zk = new Zookeeper(getenv("ZK_TEST_HOSTS"));
    while ($zk->getState() != Zookeeper::CONNECTED_STATE) usleep(10000);
    usleep(300000);
    $zk->create(getenv("FLAG"), "x");
', ['FLAG' => "$base/flag"]);

$start = microtime(true);
$loops = 0;
// Generous: under valgrind on a busy machine the other process alone takes
// seconds to start; what matters is that the event arrives during sleep().
while ($fired === null && $loops < 30) {
    sleep(1);
    $loops++;
}
var_dump($fired, $loops < 30);
proc_close($proc);
zk_rmr($zk, $base);
?>
--EXPECT--
array(2) {
  [0]=>
  int(1)
  [1]=>
  string(4) "flag"
}
bool(true)
