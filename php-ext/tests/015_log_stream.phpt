--TEST--
setLogStream (path and stream), setDebugLevel, setDeterministicConnOrder
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$file = tempnam(sys_get_temp_dir(), 'zklog');
$zk = new Zookeeper();
var_dump($zk->setLogStream($file));
var_dump(Zookeeper::setDebugLevel(Zookeeper::LOG_LEVEL_DEBUG), Zookeeper::setDeterministicConnOrder(true));
$c = zk_connected();
$c->close();
Zookeeper::setDebugLevel(Zookeeper::LOG_LEVEL_WARN);
var_dump(str_contains(file_get_contents($file), 'ZOO_'));

$fp = fopen($file . '.2', 'w');
var_dump($zk->setLogStream($fp));
Zookeeper::setDebugLevel(Zookeeper::LOG_LEVEL_INFO);
$c = zk_connected();
$c->close();
Zookeeper::setDebugLevel(Zookeeper::LOG_LEVEL_WARN);
fflush($fp);
var_dump(filesize($file . '.2') > 0);

var_dump(@$zk->setLogStream('/nonexistent-dir/x.log'));
// Memory streams have no descriptor the library could write to from its threads.
$mem = fopen('php://memory', 'w');
var_dump($zk->setLogStream($mem));
$zk->setLogStream('/dev/null');
fclose($fp);
unlink($file);
unlink($file . '.2');
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(false)

Warning: Zookeeper::setLogStream(): the log stream must be backed by a file descriptor in %s on line %d
bool(false)
