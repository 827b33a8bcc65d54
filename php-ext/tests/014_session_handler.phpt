--TEST--
session.save_handler=zookeeper: data round trip, per-session lock held until close, destroy, gc
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
// Buffer all output: session ini settings cannot change once output was sent.
ob_start();
ini_set('session.save_handler', 'zookeeper');
ini_set('session.save_path', zk_hosts());
ini_set('session.use_cookies', '0');
ini_set('session.cache_limiter', '');
$admin = zk_connected();

session_start();
$id = session_id();
$_SESSION['foo'] = 123;
$_SESSION['bin'] = "a\0b";
// The lock node exists while the session is open.
var_dump(is_array($admin->exists("/php-sessid/$id-lock")));
session_write_close();
var_dump($admin->exists("/php-sessid/$id-lock"), strlen($admin->get("/php-sessid/$id")) > 0);

// Another process waits for the lock this request holds.
session_id($id);
session_start();
var_dump($_SESSION['foo'], $_SESSION['bin'] === "a\0b");
[$proc, $pipes] = zk_spawn_php('
    ini_set("session.save_handler", "zookeeper");
    ini_set("session.save_path", getenv("ZK_TEST_HOSTS"));
    ini_set("session.use_cookies", "0");
    session_id(getenv("SID_TO_USE"));
    $t = microtime(true);
    session_start();
    printf("%d %.1f", $_SESSION["foo"], microtime(true) - $t);
', ['SID_TO_USE' => $id]);
// Without the lock the other process would read 123 long before this write.
usleep(1000000);
$_SESSION['foo'] = 456;
session_write_close();
[$foo, $waited] = explode(' ', stream_get_contents($pipes[1]));
proc_close($proc);
var_dump($foo, $waited > 0);

session_id($id);
session_start();
session_destroy();
var_dump($admin->exists("/php-sessid/$id"), $admin->exists("/php-sessid/$id-lock"));

// gc removes sessions older than gc_maxlifetime, never lock nodes.
$admin->create("/php-sessid/oldsession" . getmypid(), 'x');
ini_set('session.gc_maxlifetime', '1');
sleep(2);
session_start();
var_dump(session_gc() >= 1, $admin->exists("/php-sessid/oldsession" . getmypid()));
session_destroy();
?>
--EXPECT--
bool(true)
bool(false)
bool(true)
int(123)
bool(true)
string(3) "456"
bool(true)
bool(false)
bool(false)
bool(true)
bool(false)
