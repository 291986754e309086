<?php
// Replicator opcache-invalidation endpoint (docs/operations.md, "Hooks"; docs/stack.md).
//
// A slave's `opcache` hook POSTs the .php paths a batch changed here, so that PHP-FPM drops them
// from its opcache (the PHP CLI has its own opcache: `php -r 'opcache_reset();'` would not help).
// `replicator generate` installs it as <stack_dir>/<node>/php/opcache-invalidate.php and serves it
// from a loopback-only Nginx server (the node's local_http, default 127.0.0.1:8099). Keep it
// outside the docroot: it is then neither replicated nor served to visitors.
//
// Request body: the changed paths, each followed by a NUL byte, relative to the docroot.
// Headers: X-Replicator-Docroot (the slave's docroot), X-Replicator-Truncated (1 when the hook got
// only some of the paths: the whole opcache is reset instead).
if (!in_array($_SERVER['REMOTE_ADDR'] ?? '', ['127.0.0.1', '::1'], true)) {
    http_response_code(403);
    exit;
}
header('Content-Type: text/plain; charset=utf-8');
$docroot = rtrim($_SERVER['HTTP_X_REPLICATOR_DOCROOT'] ?? '', '/');
if (($_SERVER['HTTP_X_REPLICATOR_TRUNCATED'] ?? '0') === '1' || $docroot === '') {
    echo opcache_reset() ? "reset\n" : "opcache off\n";
    exit;
}
$n = 0;
foreach (explode("\0", file_get_contents('php://input')) as $path) {
    // Only paths inside the docroot: the hook never sends '..', and this endpoint must not be a way around that.
    if ($path === '' || str_contains("/$path/", '/../')) {
        continue;
    }
    if (opcache_invalidate("$docroot/$path", true)) {
        $n++;
    }
}
echo "invalidated $n\n";
