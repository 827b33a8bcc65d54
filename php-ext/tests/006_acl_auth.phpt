--TEST--
getAcl/setAcl/addAuth: ACL arrays, NOAUTH, digest auth with completion callback, invalid ACLs
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$zk = zk_connected();
$base = zk_base($zk, 'acl');

[$stat, $acl] = $zk->getAcl($base);
var_dump($acl, $stat['aversion']);

$readOnly = [['perms' => Zookeeper::PERM_READ, 'scheme' => 'world', 'id' => 'anyone']];
var_dump($zk->setAcl($base, 0, $readOnly));
[$stat, $acl] = $zk->getAcl($base);
var_dump($acl[0]['perms'], $stat['aversion']);
try { $zk->create("$base/c", 'x'); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk->setAcl($base, 1, $readOnly); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
$zk->create("$base-v", 'x');
try { $zk->setAcl("$base-v", 5, $readOnly); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
$zk->delete("$base-v");
try { $zk->getAcl("$base/none"); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }

// Empty and malformed ACL lists are rejected by the server.
$zk2 = zk_connected();
$base2 = zk_base($zk2, 'acl2');
try { $zk2->create("$base2/x", 'x', []); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
try { $zk2->create("$base2/x", 'x', [['perms' => 31]]); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }

// Digest auth: the node is only readable with the right credentials.
$rc = null;
var_dump($zk2->addAuth('digest', 'user:secret', function ($r) use (&$rc) { $rc = $r; }));
zk_wait(function () use (&$rc) { return $rc !== null; });
var_dump($rc);
$zk2->create("$base2/private", 'secret', [['perms' => Zookeeper::PERM_ALL, 'scheme' => 'auth', 'id' => '']]);
var_dump($zk2->get("$base2/private"));
$acl = $zk2->getAcl("$base2/private")[1];
var_dump($acl[0]['scheme'], str_starts_with($acl[0]['id'], 'user:'));
$zk3 = zk_connected();
try { $zk3->get("$base2/private"); } catch (ZookeeperException $e) { echo get_class($e), ' ', $e->getCode(), "\n"; }
$zk3->addAuth('digest', 'user:secret');
zk_wait(fn() => (function () use ($zk3, $base2) { try { return $zk3->get("$base2/private") === 'secret'; } catch (Exception $e) { return false; } })());
var_dump($zk3->get("$base2/private"));

// A rejected scheme fails the session: the completion sees AUTHFAILED.
$zk4 = zk_connected();
$rc = null;
$zk4->addAuth('nosuchscheme', 'x', function ($r) use (&$rc) { $rc = $r; });
zk_wait(function () use (&$rc) { return $rc !== null; });
var_dump($rc == Zookeeper::AUTHFAILED);

zk_rmr($zk, $base);
zk_rmr($zk2, $base2);
echo "done\n";
?>
--EXPECT--
array(1) {
  [0]=>
  array(3) {
    ["perms"]=>
    int(31)
    ["scheme"]=>
    string(5) "world"
    ["id"]=>
    string(6) "anyone"
  }
}
int(0)
bool(true)
int(1)
int(1)
ZookeeperAuthenticationException -102
ZookeeperAuthenticationException -102
ZookeeperException -103
ZookeeperNoNodeException -101
ZookeeperException -114
ZookeeperException -114
bool(true)
int(0)
string(6) "secret"
string(6) "digest"
bool(true)
ZookeeperAuthenticationException -102
string(6) "secret"
bool(true)
done
