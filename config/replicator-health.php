<?php
// Replicator freshness check for a slave's web health check (docs/operations.md, "Freshness").
//
// HAProxy ignores an agent-check it cannot connect to, so a stopped replicator agent alone would
// leave a stale slave in rotation. The agent rewrites <docroot>/.replicator/freshness every
// second; this script answers 200 while that file is fresh and 503 once it is stale, so that
// HAProxy's HTTP health check of the node fails when the agent is stopped or too far behind.
// The rules are those of org.replicator.core.health.FreshnessCheck:
//   stale when the file is missing or malformed, when its heartbeat is older than
//   heartbeat_timeout_s, when its verdict is down, or when lag_s plus the heartbeat's age
//   reaches down_lag_s.
//
// Install it outside the docroot (e.g. /usr/share/replicator/replicator-health.php) and route one
// location to it; never serve /.replicator/ itself:
//
//   location ^~ /.replicator/ { deny all; return 404; }
//   location = /replicator-health {
//       allow 127.0.0.1; allow 10.0.0.0/8; deny all;          # the load balancers
//       include fastcgi_params;
//       fastcgi_param SCRIPT_FILENAME /usr/share/replicator/replicator-health.php;
//       fastcgi_param REPLICATOR_DOCROOT $document_root;
//       fastcgi_pass unix:/run/php/php8.2-fpm.sock;
//   }
//
// and in HAProxy: option httpchk; http-check send meth GET uri /replicator-health ver HTTP/1.1 hdr Host www
//
// From a shell (exit 0 fresh, 1 stale): php replicator-health.php /var/www/wordpress

$cli = PHP_SAPI === 'cli';
$docroot = $cli ? ($argv[1] ?? '') : ($_SERVER['REPLICATOR_DOCROOT'] ?? ($_SERVER['DOCUMENT_ROOT'] ?? ''));

function answer(bool $fresh, string $reason, bool $cli): void {
    if ($cli) {
        fwrite($fresh ? STDOUT : STDERR, ($fresh ? 'fresh: ' : 'stale: ') . $reason . "\n");
        exit($fresh ? 0 : 1);
    }
    http_response_code($fresh ? 200 : 503);
    header('Content-Type: text/plain; charset=utf-8');
    header('Cache-Control: no-store');
    echo ($fresh ? 'fresh: ' : 'stale: ') . $reason . "\n";
    exit;
}

if ($docroot === '') {
    answer(false, 'no docroot given (REPLICATOR_DOCROOT)', $cli);
}
$file = rtrim($docroot, '/') . '/.replicator/freshness';
clearstatcache(true, $file);
$size = @filesize($file);
if ($size === false) {
    answer(false, "$file: missing (is this a slave, and did its agent ever run?)", $cli);
}
if ($size > 4096) {
    answer(false, "$file: larger than 4096 bytes, not a freshness file", $cli);
}
$text = @file_get_contents($file);
$kv = $text === false ? false : @parse_ini_string($text, false, INI_SCANNER_RAW);
$need = ['format', 'node', 'heartbeat_ms', 'verdict', 'lag_s', 'down_lag_s', 'heartbeat_timeout_s'];
foreach ($need as $key) {
    if (!is_array($kv) || !array_key_exists($key, $kv)) {
        answer(false, "$file: malformed: missing $key", $cli);
    }
}
if ($kv['format'] !== '1') {
    answer(false, "$file: format={$kv['format']} is not 1 (written by another version)", $cli);
}
$age = max(0, microtime(true) * 1000 - (float) $kv['heartbeat_ms']) / 1000;
$timeout = (int) $kv['heartbeat_timeout_s'];
if ($age > $timeout) {
    answer(false, sprintf('heartbeat %.1f s old (timeout %d s): is the replicator agent of %s running?', $age, $timeout, $kv['node']), $cli);
}
if ($kv['verdict'] === 'down') {
    answer(false, sprintf('agent says down (lag %.1f s)', (float) $kv['lag_s']), $cli);
}
$lag = (float) $kv['lag_s'] + $age;
if ($lag >= (int) $kv['down_lag_s']) {
    answer(false, sprintf('lag %.1f s reaches down_lag_s %d', $lag, (int) $kv['down_lag_s']), $cli);
}
answer(true, sprintf('%s, lag %.1f s, heartbeat %.1f s old', $kv['verdict'], $lag, $age), $cli);
