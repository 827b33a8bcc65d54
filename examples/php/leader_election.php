<?php
/*
 * Leader election among PHP workers with the zookeeper extension.
 *
 *   php leader_election.php HOSTS [ELECTION_PATH] [SESSION_TIMEOUT_MS]
 *
 * Each worker creates an EPHEMERAL|SEQUENCE node under ELECTION_PATH. The
 * worker owning the lowest sequence number leads; every other worker watches
 * only the node just below its own, so a departure wakes exactly one worker,
 * which re-checks and either leads or re-arms its watch on the new
 * predecessor. The worker itself is a plain sleep() loop: watch callbacks run
 * between its statements. An expired session makes the worker rejoin.
 */

$hosts = $argv[1] ?? '127.0.0.1:2181';
$root = rtrim($argv[2] ?? '/election', '/');
$timeout = (int)($argv[3] ?? 10000);
$pid = getmypid();

function say(string $line): void
{
    echo $line, "\n";
    fflush(STDOUT);
}

function ensure_path(Zookeeper $zk, string $path): void
{
    $node = '';
    foreach (array_filter(explode('/', $path)) as $part) {
        $node .= "/$part";
        try {
            $zk->create($node, null);
        } catch (ZookeeperException $e) {
            if ($e->getCode() != Zookeeper::NODEEXISTS) {
                throw $e;
            }
        }
    }
}

$recheck = true;
$expired = false;
$zk = new Zookeeper($hosts, function ($type, $state) use (&$expired) {
    if ($state == Zookeeper::EXPIRED_SESSION_STATE) {
        $expired = true;
    }
}, $timeout);
while ($zk->getState() != Zookeeper::CONNECTED_STATE) {
    usleep(50000);
}

function join_election(Zookeeper $zk, string $root, int $pid): string
{
    ensure_path($zk, $root);
    $me = $zk->create("$root/n_", (string)$pid, null, Zookeeper::EPHEMERAL | Zookeeper::SEQUENCE);
    say("worker $pid joined " . basename($me));
    return basename($me);
}

$me = join_election($zk, $root, $pid);
$leading = false;

while (true) {
    if ($expired) {
        // The ephemeral node died with the session: start over.
        $expired = false;
        $zk->connect($hosts, function ($type, $state) use (&$expired) {
            if ($state == Zookeeper::EXPIRED_SESSION_STATE) {
                $expired = true;
            }
        }, $timeout);
        while ($zk->getState() != Zookeeper::CONNECTED_STATE) {
            usleep(50000);
        }
        $me = join_election($zk, $root, $pid);
        $leading = false;
        $recheck = true;
    }
    if ($recheck && !$leading) {
        $recheck = false;
        $children = $zk->getChildren($root);
        sort($children);
        $pos = array_search($me, $children, true);
        if ($pos === 0) {
            $leading = true;
            say("worker $pid LEADER");
        } else {
            $predecessor = $children[$pos - 1];
            $watch = function () use (&$recheck) { $recheck = true; };
            if ($zk->exists("$root/$predecessor", $watch) === false) {
                $recheck = true;    // it left between the two calls
            } else {
                say("worker $pid watching $predecessor");
            }
        }
        continue;
    }
    sleep(1);
}
