--TEST--
Watchers of get/exists/getChildren fire once each; setWatcher replaces the session watcher; dispatch entry points
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$other = zk_connected();
$base = zk_base($zk, 'watch');
$zk->create("$base/n", 'a');
$log = [];
$w = function ($name) use (&$log) {
    return function ($type, $state, $path) use (&$log, $name) { $log[] = "$name $type $state " . basename($path); };
};
$zk->get("$base/n", $w('get'));
$zk->exists("$base/n", $w('exists'));
$zk->exists("$base/new", $w('exists-missing'));
$zk->getChildren($base, $w('children'));

$other->set("$base/n", 'b');
$other->set("$base/n", 'c');           // watches are one-shot: no second event
$other->create("$base/new", 'x');
zk_wait(function () use (&$log) { return count($log) >= 4; });
usleep(200000);
Zookeeper::dispatch();
sort($log);
echo implode("\n", $log), "\n";

// A watcher that throws: the exception reaches the PHP code that ran the dispatch.
$zk->get("$base/n", function () { throw new RuntimeException('from watcher'); });
$other->set("$base/n", 'd');
try {
    zk_wait(fn() => false, 3);
} catch (RuntimeException $e) {
    echo 'caught: ', $e->getMessage(), "\n";
}

// Named arguments and a by-reference stat together with a watcher.
$log = [];
$data = $zk->get(path: "$base/n", watcher_cb: $w('named'), stat_info: $stat);
echo $data, ' ', $stat['version'], "\n";
$other->delete("$base/n");
zk_wait(function () use (&$log) { return count($log) >= 1; });
echo implode("\n", $log), "\n";

// setWatcher: the new callable receives the session events from now on.
$events = [];
var_dump($zk->setWatcher(function ($t, $s, $p) use (&$events) { $events[] = [$t, $s]; }));
zk_rmr($other, $base);
$zk->close();
$other->close();
echo "done\n";
?>
--EXPECTF--
children 4 3 phpt-watch-%s
exists 3 3 n
exists-missing 1 3 new
get 3 3 n
caught: from watcher
d 3
named 2 3 n
bool(true)
done
