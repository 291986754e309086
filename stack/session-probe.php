<?php
// Session probe of stack/acceptance.sh (copied to the master's docroot as rs-session.php and
// replicated): ?set=V stores V in the PHP session, which lives in memcached (the generated
// pool's session.save_handler), so any web node reads it back. Not part of a real site.
session_start();
if (isset($_GET['set'])) {
    $_SESSION['rs'] = (string) $_GET['set'];
}
header('Content-Type: text/plain');
header('Cache-Control: no-store');
echo 'value=' . ($_SESSION['rs'] ?? '') . ' handler=' . ini_get('session.save_handler') . "\n";
