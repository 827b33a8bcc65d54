--TEST--
create/get/set/exists/getChildren/delete: values, flags, stat arrays, versions and the errors they throw
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$base = zk_base($zk, 'nodes');

var_dump($zk->create("$base/a", 'hello') === "$base/a");
var_dump($zk->get("$base/a", null, $stat), $stat['version'], $stat['dataLength'], $stat['numChildren']);
var_dump(array_keys($stat));
var_dump($zk->get("$base/a", null, $stat, 3));
var_dump($zk->create("$base/null", null), $zk->get("$base/null"));
var_dump($zk->create("$base/empty", ''), $zk->get("$base/empty"));
$bin = "a\0b\xff";
$zk->create("$base/bin", $bin);
var_dump($zk->get("$base/bin") === $bin);
$big = str_repeat('0123456789', 50000);
$zk->create("$base/big", $big);
var_dump($zk->get("$base/big") === $big);

$seq = $zk->create("$base/s-", 'x', null, Zookeeper::SEQUENCE);
var_dump(preg_match('~/s-\d{10}$~', $seq));
$eph = $zk->create(path: "$base/e", value: 'x', flags: Zookeeper::EPHEMERAL);
var_dump($zk->exists($eph)['ephemeralOwner'] != 0);

var_dump($zk->set("$base/a", 'v2', 0, $st2), $st2['version']);
var_dump($zk->set("$base/a", 'v3'), $zk->get("$base/a"));
var_dump($zk->set("$base/a", null), $zk->get("$base/a"));
try { $zk->set("$base/a", 'v', 99); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), ' ', $e->getMessage(), "\n"; }
try { $zk->create("$base/a", 'x'); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), ' ', $e->getMessage(), "\n"; }
try { $zk->create("$base/missing/child", 'x'); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->create("$eph/child", 'x'); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->create('no-slash', 'x'); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->get("$base/none"); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->set("$base/none", 'x'); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->getChildren("$base/none"); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->delete("$base/none"); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->delete($base); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->delete("$base/a", 0); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
var_dump($zk->exists("$base/none"));

$children = $zk->getChildren($base);
sort($children);
echo implode(',', array_map(fn($c) => preg_replace('~\d{10}$~', 'N', $c), $children)), "\n";
var_dump($zk->exists($base)['numChildren']);
var_dump($zk->delete("$base/a", 3));
zk_rmr($zk, $base);
var_dump($zk->exists($base));
?>
--EXPECTF--
bool(true)
string(5) "hello"
int(0)
int(5)
int(0)
array(11) {
  [0]=>
  string(5) "czxid"
  [1]=>
  string(5) "mzxid"
  [2]=>
  string(5) "ctime"
  [3]=>
  string(5) "mtime"
  [4]=>
  string(7) "version"
  [5]=>
  string(8) "cversion"
  [6]=>
  string(8) "aversion"
  [7]=>
  string(14) "ephemeralOwner"
  [8]=>
  string(10) "dataLength"
  [9]=>
  string(11) "numChildren"
  [10]=>
  string(5) "pzxid"
}
string(3) "hel"
string(%d) "%s/null"
NULL
string(%d) "%s/empty"
string(0) ""
bool(true)
bool(true)
int(1)
bool(true)
bool(true)
int(1)
bool(true)
string(2) "v3"
bool(true)
NULL
ZookeeperException -103 bad version
ZookeeperException -110 node exists
ZookeeperNoNodeException -101
ZookeeperException -108
ZookeeperException -8
ZookeeperNoNodeException -101
ZookeeperNoNodeException -101
ZookeeperNoNodeException -101
ZookeeperNoNodeException -101
ZookeeperException -111
ZookeeperException -103
bool(false)
a,big,bin,e,empty,null,s-N
int(7)
bool(true)
bool(false)
