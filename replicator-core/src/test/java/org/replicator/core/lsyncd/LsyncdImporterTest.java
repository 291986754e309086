package org.replicator.core.lsyncd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.NodeConfig;

/**
 * lsyncd files written for these tests in the styles of the lsyncd manual's examples (settings
 * blocks, default.rsync and default.rsyncssh, locals, concatenation, long strings and comments),
 * imported and then loaded by the real cluster-file loader.
 */
class LsyncdImporterTest {
  private static final LsyncdImporter.ExcludeFiles NO_FILES = path -> {
    throw new NoSuchFileException(path);
  };

  private static final String MANUAL_STYLE = String.join("\n",
      "-- lsyncd.conf.lua: mirror the WordPress docroot to the other web nodes",
      "settings {",
      "   logfile    = \"/var/log/lsyncd/lsyncd.log\",",
      "   statusFile = \"/var/log/lsyncd/lsyncd-status.log\",",
      "   statusInterval = 20,",
      "   insist     = true,",
      "}",
      "",
      "local docroot  = \"/var/www/wordpress\"",
      "local excludes = { 'wp-content/cache/', \"*.tmp\" }",
      "",
      "--[[ Each web node runs sshd; the first one also an rsync daemon.",
      "     This block comment spans lines. ]]",
      "for _, host in ipairs({ \"10.0.0.12\" }) do   -- a loop: not data, skipped",
      "   print(host)",
      "end",
      "",
      "sync {",
      "   default.rsync,",
      "   source    = docroot .. \"/\",",
      "   target    = \"10.0.0.12:\" .. docroot,",
      "   delay     = 1,",
      "   maxDelays = 500,",
      "   exclude   = excludes,",
      "   delete    = true,",
      "   rsync     = {",
      "      archive  = true,",
      "      compress = true,",
      "      bwlimit  = 2000,",
      "      _extra   = { \"--omit-dir-times\" },",
      "   },",
      "}",
      "",
      "sync {",
      "   default.rsyncssh,",
      "   source    = docroot,",
      "   host      = \"deploy@web3.example.com\",",
      "   targetdir = [[/srv/www/wordpress]],",
      "   delay     = 1,",
      "   exclude   = excludes,",
      "   ssh       = { port = 2222 },",
      "}",
      "");

  @Test
  void manualStyleFileBecomesAClusterFileTheLoaderAccepts() throws Exception {
    LsyncdImporter.Result result = importText(MANUAL_STYLE);
    ClusterConfig config = ClusterConfigLoader.parse(result.yaml(), Path.of("imported.yaml"));

    assertThat(config.docroot()).isEqualTo("/var/www/wordpress");
    assertThat(config.cluster()).isEqualTo("wordpress");
    assertThat(config.userExcludes()).containsExactly("wp-content/cache/", "*.tmp");
    assertThat(config.batchWindowMillis()).isEqualTo(1000);
    assertThat(config.batchMaxEvents()).isEqualTo(500);
    assertThat(config.bandwidthLimitBytesPerSecond()).isEqualTo(2000L * 1024);
    assertThat(config.slaves()).extracting(NodeConfig::name, NodeConfig::host, config::docrootOf)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("10.0.0.12", "10.0.0.12", Path.of("/var/www/wordpress")),
            org.assertj.core.groups.Tuple.tuple("web3.example.com", "web3.example.com", Path.of("/srv/www/wordpress")));

    assertThat(notes(result)).contains(
        "line 3: note: settings.logfile is not needed: the agent logs to journald: journalctl -u replicator@NODE",
        "line 14: left out: a 'for' statement is not understood and was skipped",
        "line 29: note: rsync.bwlimit 2000 (KiB/s) is bandwidth_limit: 2000K per slave",
        "line 30: left out: rsync._extra '--omit-dir-times' has no Replicator equivalent");
    assertThat(result.lostSomething()).isTrue();
  }

  @Test
  void whatDoesNotFitIsClampedOrLeftOutWithItsLine() throws Exception {
    String lua = String.join("\n",
        "settings { nodaemon = true, maxDelays = 1e6, bogus = 1 }",   // 1
        "local base, suffix = '/var/www', [==[/html]==]",              // 2
        "sync { default.rsync, source = base .. suffix,",              // 3
        "  target = 'web2::www',",                                     // 4
        "  delay = 30,",                                               // 5
        "  onCreate = function(event) spawn(event, '/bin/true') end,", // 6
        "}",                                                           // 7
        "sync { default.direct, source = '/var/www/html', target = '/backup/html' }", // 8
        "sync { default.rsync, source = '/srv/other', target = 'web4:/srv/other' }",  // 9
        "sync { default.rsync, source = '/var/www/html/', target = \"web5:/var/www/html\", delete = 'running',",
        "  excludeFrom = '/etc/lsyncd/excludes', rsync = { bwlimit = '5m', acls = true } }");
    LsyncdImporter.Result result = importText(lua, path -> List.of("# comment", "", "/wp-content/uploads/cache/"));
    ClusterConfig config = ClusterConfigLoader.parse(result.yaml(), Path.of("imported.yaml"));

    assertThat(config.docroot()).isEqualTo("/var/www/html");
    assertThat(config.batchWindowMillis()).isEqualTo(10_000);
    assertThat(config.batchMaxEvents()).isEqualTo(100_000);
    assertThat(config.delete()).hasToString("RUNNING");
    assertThat(config.bandwidthLimitBytesPerSecond()).isEqualTo(5L << 20);
    assertThat(config.userExcludes()).containsExactly("/wp-content/uploads/cache/");
    assertThat(config.slaves()).extracting(NodeConfig::name).containsExactly("web2", "web5");
    assertThat(notes(result)).contains(
        "line 1: clamped: settings.maxDelays 1000000 is above batch_max_events's range: 100000",
        "line 1: left out: settings.bogus has no Replicator equivalent",
        "line 4: clamped: sync: target web2::www is an rsync daemon module: its path on web2 is unknown here, so the slave's"
            + " docroot is taken to be /var/www/html (set nodes[].docroot if not)",
        "line 5: clamped: delay 30 s is above batch_window_ms's range: 10000 ms (a lone change still leaves after 2 ms of quiet; drop the key for the 20 ms default)",
        "line 6: left out: onCreate has no Replicator equivalent (custom actions are not imported; see hooks: in docs/configuration.md)",
        "line 8: left out: sync: default.direct copies within this machine; Replicator replicates to other machines, so it was skipped",
        "line 9: left out: sync: source /srv/other differs from /var/www/html (line 3); a cluster file replicates one docroot: import"
            + " this sync into a file of its own",
        "line 11: left out: rsync.acls has no Replicator equivalent",
        "line 11: note: excludeFrom /etc/lsyncd/excludes: its 1 patterns are in exclude:");
  }

  @Test
  void stringsEscapesAndCommentsAreReadAsLuaReadsThem() throws Exception {
    String lua = String.join("\n",
        "--[==[ a long comment with ]] inside ]==]",
        "local t = 'web\\x32' .. \"\\\"q\\\"\" -- a trailing comment",
        "local p = [[",
        "/var/www/site]]",
        "sync{default.rsyncssh, source=p, host=('web' .. 2), targetdir=p .. '/' .. 'x'}");
    LsyncdImporter.Result result = importText(lua);
    ClusterConfig config = ClusterConfigLoader.parse(result.yaml(), Path.of("imported.yaml"));
    assertThat(config.docroot()).isEqualTo("/var/www/site");
    assertThat(config.slaves()).singleElement().satisfies(s -> {
      assertThat(s.host()).isEqualTo("web2");
      assertThat(config.docrootOf(s)).isEqualTo(Path.of("/var/www/site/x"));
    });
    assertThat(result.lostSomething()).isFalse();
    LsyncdFile file = LsyncdParser.parse(lua);
    assertThat(file.notes()).isEmpty();
  }

  @Test
  void unreadableLuaNamesTheLine() {
    assertThatThrownBy(() -> LsyncdParser.parse("settings {\n  logfile = \"/var/log/x.log,\n}\n"))
        .isInstanceOf(LuaSyntaxException.class).hasMessage("line 2: unfinished string");
    assertThatThrownBy(() -> LsyncdParser.parse("sync {\n default.rsync\n source = '/x'\n}"))
        .isInstanceOf(LuaSyntaxException.class).hasMessage("line 3: ',' or '}' expected in the table opened at line 1, found 'source'");
    assertThatThrownBy(() -> LsyncdParser.parse("--[[ never closed\nsync{}"))
        .isInstanceOf(LuaSyntaxException.class).hasMessageContaining("line 1: long string or comment opened here is never closed");
  }

  @Test
  void aFileWithNoRemoteTargetHasNothingToImportAndSaysWhy() {
    assertThatThrownBy(() -> importText("sync { default.direct, source = '/a', target = '/b' }\n"
        + "sync{default.rsyncssh, source=\"src\", host=\"localhost\", targetdir=\"dst/\"}"))
        .isInstanceOfSatisfying(LsyncdImporter.NothingToImportException.class, e -> {
          assertThat(e).hasMessageContaining("nothing to import");
          assertThat(e.notes()).extracting(ImportNote::format).containsExactly(
              "line 1: left out: sync: default.direct copies within this machine; Replicator replicates to other machines, so it was skipped",
              "line 2: left out: sync: source 'src' is relative (to where lsyncd was started); a docroot is an absolute path: skipped");
        });
  }

  @Test
  void anUnreadableExcludeFromIsLeftOut() throws Exception {
    LsyncdImporter.Result result = importText("sync { default.rsync, source = '/var/www/a', target = 'h:/var/www/a', excludeFrom = '/nope' }");
    assertThat(notes(result)).singleElement().asString().startsWith("line 1: left out: excludeFrom /nope cannot be read");
    assertThat(result.lostSomething()).isTrue();
  }

  private static LsyncdImporter.Result importText(String lua) throws Exception {
    return importText(lua, NO_FILES);
  }

  private static LsyncdImporter.Result importText(String lua, LsyncdImporter.ExcludeFiles files) throws Exception {
    return LsyncdImporter.convert(LsyncdParser.parse(lua), null, "test.lua", files);
  }

  private static List<String> notes(LsyncdImporter.Result result) {
    return result.notes().stream().map(ImportNote::format).toList();
  }

}
