--TEST--
Closing or dropping the object inside its callbacks, destroying it with events pending, and GC of callback cycles never crash
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$admin = zk_connected();
$base = zk_base($admin, 'close');
$admin->create("$base/n", 'a');

// close() inside a watcher; the next call reports the closed handle.
$zk = zk_connected();
$calls = 0;
$zk->get("$base/n", function () use (&$zk, &$calls) { $calls++; $zk->close(); });
$zk->exists("$base/n", function () use (&$calls) { $calls++; });
$admin->set("$base/n", 'b');
zk_wait(function () use (&$calls) { return $calls > 0; });
usleep(200000);
zookeeper_dispatch();
var_dump($calls);
try { $zk->get("$base/n"); } catch (ZookeeperConnectionException $e) { echo $e->getMessage(), "\n"; }

// The last reference dropped inside the callback.
$holder = ['zk' => zk_connected()];
$done = false;
$holder['zk']->get("$base/n", function ($t, $s, $p) use (&$holder, &$done) {
    unset($holder['zk']);
    $done = true;
});
$admin->set("$base/n", 'c');
zk_wait(function () use (&$done) { return $done; });
var_dump(isset($holder['zk']));

// Destroyed while its events wait in the queue: they are dropped. The deletes
// run inside another callback, where no nested dispatch happens.
$zk = zk_connected();
$late = false;
for ($i = 0; $i < 20; $i++) {
    $admin->create("$base/m$i", 'x');
    $zk->get("$base/m$i", function () use (&$late) { $late = true; });
}
$admin->create("$base/trigger", 'x');
$zk->getChildren($base, function () use (&$late) { $late = true; });
$ran = false;
$admin->get("$base/trigger", function () use ($admin, $base, &$zk, &$ran) {
    for ($i = 0; $i < 20; $i++) {
        $admin->delete("$base/m$i");
    }
    usleep(300000);
    $zk = null;
    $ran = true;
});
$admin->set("$base/trigger", 'y');
zk_wait(function () use (&$ran) { return $ran; });
usleep(200000);
zookeeper_dispatch();
var_dump($ran, $late);

// A closure capturing its own Zookeeper object forms a cycle the GC collects.
function make_cycle() {
    $zk = zk_connected();
    $zk->setWatcher(function () use ($zk) { });
}
make_cycle();
var_dump(gc_collect_cycles() > 0);

// close() inside the session watcher while connecting.
$zk = new Zookeeper(zk_hosts(), function ($t, $s) use (&$zk) {
    if ($s == Zookeeper::CONNECTED_STATE) { $zk->close(); }
});
zk_wait(function () use ($zk) { try { $zk->getState(); return false; } catch (ZookeeperConnectionException $e) { return true; } });
echo "closed from session watcher\n";
zk_rmr($admin, $base);
echo "done\n";
?>
--EXPECT--
int(1)
Zookeeper->connect() was not called
bool(false)
bool(true)
bool(false)
bool(true)
closed from session watcher
done
