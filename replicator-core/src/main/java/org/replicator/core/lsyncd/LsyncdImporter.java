package org.replicator.core.lsyncd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.replicator.core.lsyncd.ImportNote.Kind;
import org.replicator.core.lsyncd.LuaValue.Bool;
import org.replicator.core.lsyncd.LuaValue.Field;
import org.replicator.core.lsyncd.LuaValue.Num;
import org.replicator.core.lsyncd.LuaValue.Ref;
import org.replicator.core.lsyncd.LuaValue.Str;
import org.replicator.core.lsyncd.LuaValue.Table;

/**
 * Turns what {@link LsyncdParser} read into a cluster file: the first {@code sync}'s source is the
 * master's docroot, every remote target a slave ({@code default.rsync} {@code host:/path},
 * {@code default.rsyncssh} {@code host} + {@code targetdir}); delay, maxDelays, exclude,
 * excludeFrom, delete and rsync's bwlimit become the cluster's keys. Every item it cannot carry
 * over, or has to clamp into Replicator's range, is an {@link ImportNote} with its line; items
 * Replicator does not need (log files, ssh options, rsync's archive flags) are notes of kind INFO.
 * Pure except for reading excludeFrom files through the given {@link ExcludeFiles}.
 */
public final class LsyncdImporter {
  /** The port every imported node gets (the example cluster file's). */
  public static final int DEFAULT_PORT = 8730;
  static final int MAX_BATCH_WINDOW_MS = 10_000;
  static final int MAX_BATCH_EVENTS = 100_000;

  /** Reads an excludeFrom file: one pattern per line. */
  public interface ExcludeFiles {
    List<String> read(String path) throws IOException;
  }

  public record Result(String yaml, List<ImportNote> notes) {
    public boolean lostSomething() {
      return notes.stream().anyMatch(ImportNote::lost);
    }
  }

  /** Nothing could become a cluster file (no sync with a remote target); {@link #notes} say why. */
  public static final class NothingToImportException extends Exception {
    private final transient List<ImportNote> notes;

    NothingToImportException(String message, List<ImportNote> notes) {
      super(message);
      this.notes = List.copyOf(notes);
    }

    public List<ImportNote> notes() {
      return notes;
    }
  }

  private static final Map<String, String> SETTINGS_NOT_NEEDED = Map.ofEntries(
      Map.entry("logfile", "the agent logs to journald: journalctl -u replicator@NODE"),
      Map.entry("logfacility", "the agent logs to journald, with syslog priorities"),
      Map.entry("logident", "journald names the unit: replicator@NODE"),
      Map.entry("statusFile", "replicator status (or --json) shows each slave's state and lag"),
      Map.entry("statusInterval", "replicator status is always current"),
      Map.entry("pidfile", "systemd tracks the agent's process"),
      Map.entry("nodaemon", "the agent always runs in the foreground under systemd"),
      Map.entry("insist", "the master keeps retrying a slave it cannot reach"),
      Map.entry("inotifyMode", "the master's watcher chooses its inotify events itself"),
      Map.entry("maxProcesses", "the master keeps one connection per slave"));
  private static final Map<String, String> RSYNC_NOT_NEEDED = Map.ofEntries(
      Map.entry("archive", "modes, times, links and hard links are always kept"),
      Map.entry("perms", "modes are always kept"),
      Map.entry("times", "modification times are always kept"),
      Map.entry("links", "symbolic links are always kept"),
      Map.entry("hard_links", "hard links are always kept"),
      Map.entry("owner", "owners are kept when the agent runs as root"),
      Map.entry("group", "groups are kept when the agent runs as root"),
      Map.entry("compress", "changed data travels LZ4-compressed"),
      Map.entry("whole_file", "changed files travel as deltas or whole, as is cheaper"),
      Map.entry("checksum", "contents are compared by hash"),
      Map.entry("verbose", "the agent logs every batch"),
      Map.entry("quiet", "the agent logs to journald"),
      Map.entry("binary", "the agent needs no rsync binary"),
      Map.entry("rsync_path", "the agent needs no rsync binary"),
      Map.entry("rsh", "nodes talk mutual TLS, not ssh"),
      Map.entry("password_file", "nodes authenticate with TLS certificates (replicator certs)"),
      Map.entry("protect_args", "paths travel as data, never through a shell"),
      Map.entry("temp_dir", "temp files live in <docroot>/.replicator/"));

  private final ExcludeFiles excludeFiles;
  private final List<ImportNote> notes = new ArrayList<>();
  private final Set<String> excludes = new LinkedHashSet<>();
  private final List<Slave> slaves = new ArrayList<>();
  private String docroot;
  private int docrootLine;
  private Setting batchWindow;
  private Setting batchEvents;
  private Setting delete;
  private Setting bandwidth;

  private record Slave(String name, String host, String docroot, int line) {}

  /** A cluster-wide value and the line it came from: a later sync with another value is noted. */
  private record Setting(String yaml, int line) {}

  private LsyncdImporter(ExcludeFiles excludeFiles) {
    this.excludeFiles = excludeFiles;
  }

  /**
   * @param clusterName the {@code cluster:} name, or null to derive it from the docroot
   * @param sourceName the lsyncd file's name, for the comment at the top
   */
  public static Result convert(LsyncdFile file, String clusterName, String sourceName, ExcludeFiles excludeFiles)
      throws NothingToImportException {
    LsyncdImporter importer = new LsyncdImporter(excludeFiles);
    importer.notes.addAll(file.notes());
    for (Table settings : file.settings()) {
      importer.settings(settings);
    }
    for (Table sync : file.syncs()) {
      importer.sync(sync);
    }
    importer.notes.sort(java.util.Comparator.comparingInt(ImportNote::line));
    if (importer.slaves.isEmpty()) {
      throw new NothingToImportException("no sync{} with a remote target (default.rsync host:/path or default.rsyncssh host"
          + " + targetdir) was found; nothing to import", importer.notes);
    }
    String name = clusterName != null ? clusterName : nameFrom(importer.docroot, "site");
    return new Result(importer.yaml(name, sourceName), List.copyOf(importer.notes));
  }

  private void settings(Table settings) {
    for (Field f : settings.fields()) {
      if (f.key() == null) {
        note(f.line(), Kind.LEFT_OUT, "settings: a value without a name is not understood");
      } else if (f.key().equals("maxDelays")) {
        batchEvents = events(f.value(), f.line(), "settings.maxDelays");
      } else if (SETTINGS_NOT_NEEDED.containsKey(f.key())) {
        note(f.line(), Kind.INFO, "settings." + f.key() + " is not needed: " + SETTINGS_NOT_NEEDED.get(f.key()));
      } else {
        note(f.line(), Kind.LEFT_OUT, "settings." + f.key() + " has no Replicator equivalent");
      }
    }
  }

  private void sync(Table sync) {
    List<LuaValue> positional = sync.positional();
    LuaValue layer = positional.isEmpty() ? sync.get("default") : positional.get(0);
    String kind = layer instanceof Ref r ? r.name() : null;
    if (kind == null || !Set.of("default.rsync", "default.rsyncssh", "default.direct").contains(kind)) {
      note(sync.line(), Kind.LEFT_OUT, "sync: only default.rsync, default.rsyncssh and default.direct are imported; this one uses "
          + (layer == null ? "no layer" : LuaValue.describe(layer)) + " and was skipped");
      return;
    }
    if (kind.equals("default.direct")) {
      note(sync.line(), Kind.LEFT_OUT, "sync: default.direct copies within this machine; Replicator replicates to other machines,"
          + " so it was skipped");
      return;
    }
    String source = string(sync.get("source"));
    if (source == null) {
      note(sync.line(), Kind.LEFT_OUT, "sync: no source (a literal path) could be read; skipped");
      return;
    }
    source = trimSlash(source);
    if (!source.startsWith("/")) {
      note(sync.get("source").line(), Kind.LEFT_OUT, "sync: source '" + source + "' is relative (to where lsyncd was started);"
          + " a docroot is an absolute path: skipped");
      return;
    }
    if (docroot == null) {
      docroot = source;
      docrootLine = sync.line();
    } else if (!docroot.equals(source)) {
      note(sync.line(), Kind.LEFT_OUT, "sync: source " + source + " differs from " + docroot + " (line " + docrootLine
          + "); a cluster file replicates one docroot: import this sync into a file of its own");
      return;
    }
    if (!target(sync, kind)) {
      return;
    }
    for (Field f : sync.fields()) {
      if (f.key() != null) {
        option(f);
      }
    }
  }

  /** The slave this sync names; false when it names none (noted). */
  private boolean target(Table sync, String kind) {
    String host;
    String path;
    if (kind.equals("default.rsyncssh")) {
      host = string(sync.get("host"));
      path = string(sync.get("targetdir"));
      if (host == null || path == null) {
        note(sync.line(), Kind.LEFT_OUT, "sync: default.rsyncssh needs host and targetdir as literal strings; skipped");
        return false;
      }
    } else {
      String target = string(sync.get("target"));
      if (target == null) {
        note(sync.line(), Kind.LEFT_OUT, "sync: no target (a literal string) could be read; skipped");
        return false;
      }
      int line = sync.get("target").line();
      int daemon = target.indexOf("::");
      int colon = target.startsWith("[") ? target.indexOf("]:") + 1 : target.indexOf(':');
      if (daemon > 0) {
        host = target.substring(0, daemon);
        path = null;
        note(line, Kind.CLAMPED, "sync: target " + target + " is an rsync daemon module: its path on " + host
            + " is unknown here, so the slave's docroot is taken to be " + docroot + " (set nodes[].docroot if not)");
      } else if (colon > 0) {
        host = target.substring(0, colon).replace("[", "").replace("]", "");
        path = target.substring(colon + 1);
      } else {
        note(line, Kind.LEFT_OUT, "sync: target " + target + " is on this machine; Replicator replicates to other machines,"
            + " so it was skipped");
        return false;
      }
    }
    host = host.substring(host.indexOf('@') + 1);
    if (path != null && !path.startsWith("/")) {
      note(sync.line(), Kind.CLAMPED, "sync: target path '" + path + "' on " + host + " is relative (to a home folder); the slave's"
          + " docroot is taken to be " + docroot + " (set nodes[].docroot to its absolute path)");
      path = null;
    }
    String slaveDocroot = path == null ? docroot : trimSlash(path);
    for (Slave s : slaves) {
      if (s.host().equals(host)) {
        note(sync.line(), Kind.LEFT_OUT, "sync: a second target on " + host + " (the first is at line " + s.line()
            + "); a node has one docroot; skipped");
        return false;
      }
    }
    String base = nameFrom(host, "slave");
    String name = base;
    for (int n = 2; name.equals("master") || taken(name); n++) {
      name = base + "-" + n;
    }
    slaves.add(new Slave(name, host, slaveDocroot, sync.line()));
    return true;
  }

  private boolean taken(String name) {
    return slaves.stream().anyMatch(s -> s.name().equals(name));
  }

  private void option(Field f) {
    LuaValue v = f.value();
    switch (f.key()) {
      case "source", "target", "host", "targetdir", "default" -> {
        // read by sync() and target()
      }
      case "delay" -> {
        Double seconds = v instanceof Num n ? n.value() : null;
        if (seconds == null || seconds < 0) {
          note(f.line(), Kind.LEFT_OUT, "delay " + LuaValue.describe(v) + " is not a number of seconds");
        } else {
          long ms = Math.round(seconds * 1000);
          if (ms > MAX_BATCH_WINDOW_MS) {
            note(f.line(), Kind.CLAMPED, "delay " + n(seconds) + " s is above batch_window_ms's range: " + MAX_BATCH_WINDOW_MS
                + " ms (a lone change still leaves after 2 ms of quiet; drop the key for the 20 ms default)");
            ms = MAX_BATCH_WINDOW_MS;
          }
          batchWindow = merge(batchWindow, new Setting(Long.toString(ms), f.line()), "delay");
        }
      }
      case "maxDelays" -> batchEvents = merge(batchEvents, events(v, f.line(), "maxDelays"), "maxDelays");
      case "exclude" -> patterns(v, f.line());
      case "excludeFrom" -> excludeFrom(v, f.line());
      case "delete" -> {
        String policy = v instanceof Bool b ? Boolean.toString(b.value()) : string(v);
        if (policy == null || !Set.of("true", "false", "startup", "running").contains(policy)) {
          note(f.line(), Kind.LEFT_OUT, "delete " + LuaValue.describe(v) + " is not one of true, false, 'startup', 'running'");
        } else {
          delete = merge(delete, new Setting(policy, f.line()), "delete");
        }
      }
      case "rsync" -> rsync(v, f.line());
      case "ssh" -> note(f.line(), Kind.INFO, "ssh options are not needed: nodes talk mutual TLS on port " + DEFAULT_PORT);
      case "init" -> note(f.line(), Kind.INFO, "init is not needed: a slave is compared with the master at every (re)connect"
          + " and only the differences travel");
      default -> note(f.line(), Kind.LEFT_OUT, f.key() + " has no Replicator equivalent"
          + (f.key().startsWith("on") || f.key().equals("action") ? " (custom actions are not imported; see hooks: in"
          + " docs/configuration.md)" : ""));
    }
  }

  private void rsync(LuaValue v, int line) {
    if (!(v instanceof Table t)) {
      note(line, Kind.LEFT_OUT, "rsync must be a table; found " + LuaValue.describe(v));
      return;
    }
    for (Field f : t.fields()) {
      String key = f.key();
      if (key == null) {
        note(f.line(), Kind.LEFT_OUT, "rsync: a value without a name is not understood");
      } else if (key.equals("bwlimit")) {
        bandwidth(f.value(), f.line());
      } else if (RSYNC_NOT_NEEDED.containsKey(key)) {
        note(f.line(), Kind.INFO, "rsync." + key + " is not needed: " + RSYNC_NOT_NEEDED.get(key));
      } else if (key.equals("_extra") && f.value() instanceof Table extra) {
        for (LuaValue arg : extra.positional()) {
          note(arg.line(), Kind.LEFT_OUT, "rsync._extra " + LuaValue.describe(arg) + " has no Replicator equivalent");
        }
      } else {
        note(f.line(), Kind.LEFT_OUT, "rsync." + key + " has no Replicator equivalent");
      }
    }
  }

  /** rsync's --bwlimit: KiB per second, or a number with rsync's K/M/G suffix. */
  private void bandwidth(LuaValue v, int line) {
    String yaml = null;
    if (v instanceof Num n && n.value() > 0) {
      long bytes = Math.round(n.value() * 1024);
      yaml = bytes % 1024 == 0 ? "\"" + bytes / 1024 + "K\"" : Long.toString(bytes);
      note(line, Kind.INFO, "rsync.bwlimit " + n.text() + " (KiB/s) is bandwidth_limit: " + yaml.replace("\"", "")
          + " per slave");
    } else if (v instanceof Num n && n.value() == 0) {
      return; // 0: unlimited, as bandwidth_limit's default
    } else if (string(v) != null && string(v).matches("\\d+[kKmMgG]")) {
      yaml = "\"" + string(v).toUpperCase(Locale.ROOT) + "\"";
      note(line, Kind.INFO, "rsync.bwlimit " + string(v) + " is bandwidth_limit: " + yaml.replace("\"", "") + " per slave");
    } else {
      note(line, Kind.LEFT_OUT, "rsync.bwlimit " + LuaValue.describe(v) + " is not a rate this importer reads");
      return;
    }
    bandwidth = merge(bandwidth, new Setting(yaml, line), "rsync.bwlimit");
  }

  private Setting events(LuaValue v, int line, String what) {
    if (!(v instanceof Num n) || n.value() < 1 || n.value() != Math.rint(n.value())) {
      note(line, Kind.LEFT_OUT, what + " " + LuaValue.describe(v) + " is not a positive whole number");
      return null;
    }
    long events = (long) n.value();
    if (events > MAX_BATCH_EVENTS) {
      note(line, Kind.CLAMPED, what + " " + events + " is above batch_max_events's range: " + MAX_BATCH_EVENTS);
      events = MAX_BATCH_EVENTS;
    }
    return new Setting(Long.toString(events), line);
  }

  /** One cluster-wide value from several syncs: the first wins, a different later one is noted. */
  private Setting merge(Setting current, Setting next, String what) {
    if (next == null) {
      return current;
    }
    if (current != null && !current.yaml().equals(next.yaml())) {
      note(next.line(), Kind.LEFT_OUT, what + " differs from line " + current.line() + "'s; the cluster file has one value for"
          + " every slave, the first one is kept");
      return current;
    }
    return current != null ? current : next;
  }

  private void patterns(LuaValue v, int line) {
    List<LuaValue> items = v instanceof Table t ? t.positional() : List.of(v);
    for (LuaValue item : items) {
      String pattern = string(item);
      if (pattern == null) {
        note(item.line(), Kind.LEFT_OUT, "exclude " + LuaValue.describe(item) + " is not a literal pattern");
      } else if (!pattern.isBlank()) {
        excludes.add(pattern);
      }
    }
  }

  private void excludeFrom(LuaValue v, int line) {
    String path = string(v);
    if (path == null) {
      note(line, Kind.LEFT_OUT, "excludeFrom " + LuaValue.describe(v) + " is not a literal path");
      return;
    }
    try {
      int before = excludes.size();
      for (String l : excludeFiles.read(path)) {
        String p = l.strip();
        if (!p.isEmpty() && !p.startsWith("#") && !p.startsWith(";")) {
          excludes.add(p);
        }
      }
      note(line, Kind.INFO, "excludeFrom " + path + ": its " + (excludes.size() - before) + " patterns are in exclude:");
    } catch (IOException e) {
      note(line, Kind.LEFT_OUT, "excludeFrom " + path + " cannot be read (" + e.getMessage() + "); its patterns are missing");
    }
  }

  private String yaml(String clusterName, String sourceName) {
    StringBuilder y = new StringBuilder();
    y.append("# Imported from ").append(sourceName).append(" by replicator import-lsyncd.\n")
        .append("# Review it (docs/configuration.md), then follow the next steps the command printed.\n")
        .append("cluster: ").append(clusterName).append('\n')
        .append("docroot: ").append(quote(docroot)).append('\n');
    if (!excludes.isEmpty()) {
      y.append("# lsyncd's excludes (rsync patterns); Replicator reads them gitignore-style, after the WordPress defaults.\n");
      y.append("exclude:\n");
      excludes.forEach(p -> y.append("  - ").append(quote(p)).append('\n'));
    }
    if (batchWindow != null) {
      y.append("batch_window_ms: ").append(batchWindow.yaml()).append("   # lsyncd delay\n");
    }
    if (batchEvents != null) {
      y.append("batch_max_events: ").append(batchEvents.yaml()).append("   # lsyncd maxDelays\n");
    }
    if (delete != null) {
      y.append("delete: ").append(delete.yaml()).append('\n');
    }
    if (bandwidth != null) {
      y.append("bandwidth_limit: ").append(bandwidth.yaml()).append("   # rsync bwlimit\n");
    }
    y.append("nodes:\n")
        .append("  - name: master\n    role: master\n")
        .append("    host: 127.0.0.1     # this machine, where lsyncd ran: put its address on the cluster network\n")
        .append("    port: ").append(DEFAULT_PORT).append('\n');
    for (Slave s : slaves) {
      y.append("  - name: ").append(s.name()).append("\n    role: slave\n")
          .append("    host: ").append(quote(s.host())).append('\n')
          .append("    port: ").append(DEFAULT_PORT).append('\n');
      if (!s.docroot().equals(docroot)) {
        y.append("    docroot: ").append(quote(s.docroot())).append('\n');
      }
    }
    return y.toString();
  }

  private void note(int line, Kind kind, String message) {
    notes.add(new ImportNote(line, kind, message));
  }

  private static String string(LuaValue v) {
    return v instanceof Str s ? s.value() : null;
  }

  private static String trimSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? trimSlash(path.substring(0, path.length() - 1)) : path;
  }

  /** A node or cluster name ([a-z0-9][a-z0-9._-]*) from a host name or a path's last part. */
  static String nameFrom(String text, String fallback) {
    if (text == null) {
      return fallback;
    }
    String last = text.substring(text.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    last = last.replaceAll("^[^a-z0-9]+", "");
    return last.isEmpty() ? fallback : last;
  }

  private static String n(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> out.append(c < 0x20 ? String.format(Locale.ROOT, "\\x%02x", (int) c) : String.valueOf(c));
      }
    }
    return out.append('"').toString();
  }
}
