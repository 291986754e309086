<?php
// Replicator opcache hook target (docs/operations.md, "Example: PHP opcache"); installed as
// /usr/share/replicator/opcache-invalidate.php. Served by PHP-FPM on 127.0.0.1 only: PHP-FPM
// keeps its own opcache, so a hook on a slave asks FPM itself to drop the replaced .php files.
// Body: the changed paths, each followed by NUL, relative to the docroot.
if (!in_array($_SERVER['REMOTE_ADDR'] ?? '', ['127.0.0.1', '::1'], true)) { http_response_code(403); exit; }
$docroot = rtrim($_SERVER['HTTP_X_REPLICATOR_DOCROOT'] ?? '', '/');
if (($_SERVER['HTTP_X_REPLICATOR_TRUNCATED'] ?? '0') === '1' || $docroot === '') {
    echo opcache_reset() ? "reset\n" : "opcache off\n";
    exit;
}
$n = 0;
foreach (explode("\0", file_get_contents('php://input')) as $path) {
    if ($path !== '' && opcache_invalidate("$docroot/$path", true)) { $n++; }
}
echo "invalidated $n\n";
