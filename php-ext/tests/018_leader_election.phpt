--TEST--
examples/php/leader_election.php: one leader, watches re-armed when a follower dies, the next worker leads when the leader dies
--SKIPIF--
<?php include __DIR__ . '/skipif.inc'; if (!getenv('ZK_TEST_EXAMPLES')) die('skip ZK_TEST_EXAMPLES not set'); ?>
--FILE--
<?php
require __DIR__ . '/zk_test.inc';
$script = getenv('ZK_TEST_EXAMPLES') . '/leader_election.php';
$admin = zk_connected();
$root = '/phpt-election-' . getmypid();

$workers = [];
function start_worker(string $script, string $root): array
{
    $cmd = escapeshellarg(PHP_BINARY) . ' ' . zk_php_args() . ' ' . escapeshellarg($script) . ' '
        . escapeshellarg(zk_hosts()) . ' ' . escapeshellarg($root) . ' 4000';
    $proc = proc_open('exec ' . $cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    stream_set_blocking($pipes[1], false);
    return ['proc' => $proc, 'out' => $pipes[1], 'lines' => [], 'pid' => proc_get_status($proc)['pid']];
}
function pump(array &$workers): void
{
    foreach ($workers as &$w) {
        while (($line = fgets($w['out'])) !== false) {
            $w['lines'][] = trim(preg_replace('~^worker \d+ ~', '', $line));
        }
    }
}
function wait_for(array &$workers, callable $cond, int $seconds = 20): bool
{
    $deadline = time() + $seconds;
    do {
        pump($workers);
        if ($cond($workers)) return true;
        usleep(50000);
    } while (time() < $deadline);
    return false;
}
function leaders(array $workers): array
{
    return array_keys(array_filter($workers, fn($w) => in_array('LEADER', $w['lines'])));
}

// Start one after another so the join order is known: a, b, c.
foreach (['a', 'b', 'c'] as $name) {
    $workers[$name] = start_worker($script, $root);
    wait_for($workers, fn($ws) => count(preg_grep('~^joined~', $ws[$name]['lines'])) == 1);
}
var_dump(wait_for($workers, fn($ws) => count(preg_grep('~^watching~', $ws['c']['lines'])) == 1));
echo 'leaders: ', implode(',', leaders($workers)), "\n";
$nodeOf = fn($n) => substr(current(preg_grep('~^joined~', $workers[$n]['lines'])), 7);
var_dump(end($workers['b']['lines']) == 'watching ' . $nodeOf('a'), end($workers['c']['lines']) == 'watching ' . $nodeOf('b'));

// Kill the follower in the middle: c re-arms its watch on a.
proc_terminate($workers['b']['proc'], 9);
var_dump(wait_for($workers, fn($ws) => end($ws['c']['lines']) == 'watching ' . $nodeOf('a')));
echo 'leaders: ', implode(',', leaders($workers)), "\n";

// Kill the leader: c leads.
proc_terminate($workers['a']['proc'], 9);
var_dump(wait_for($workers, fn($ws) => in_array('LEADER', $ws['c']['lines'])));
echo 'leaders: ', implode(',', leaders($workers)), "\n";

foreach ($workers as $w) {
    proc_terminate($w['proc'], 9);
    proc_close($w['proc']);
}
zk_rmr($admin, $root);
?>
--EXPECT--
bool(true)
leaders: a
bool(true)
bool(true)
bool(true)
leaders: a
bool(true)
leaders: a,c
