--TEST--
phpinfo() names the client library and its version
--SKIPIF--
<?php if (!extension_loaded('zookeeper')) die('skip'); ?>
--INI--
pcre.jit=0
--FILE--
<?php
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
$start = strpos($info, "\nzookeeper\n");
echo preg_replace('~(Client library file => ).*~', '$1%s', substr($info, $start + 1, strpos($info, 'zookeeper.wake_signal') - $start + 30));
?>
--EXPECTF--
zookeeper

zookeeper support => enabled
Extension version => 1.3.0
Client library => libzookeeper_mt
Client library file => %s
Client library version => 3.8.%d
Session handler => available

Directive => Local Value => Master Value
zookeeper.recv_timeout => 10000 => 10000
zookeeper.sess_lock_wait => 150000 => 150000
zookeeper.session_lock => On => On
zookeeper.wake_signal => Off%A
