package org.replicator.cli.command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.replicator.cli.ExitCode;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.lsyncd.ImportNote;
import org.replicator.core.lsyncd.LsyncdFile;
import org.replicator.core.lsyncd.LsyncdImporter;
import org.replicator.core.lsyncd.LsyncdParser;
import org.replicator.core.lsyncd.LuaSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code replicator import-lsyncd FILE.lua [--out FILE]}: reads an lsyncd configuration as data
 * (never runs it) and writes the cluster file it describes; what does not carry over is listed on
 * stderr with its line. Exit 0: all carried over; 1: something was left out or clamped (the file
 * is still written); 2: the lsyncd file cannot be read.
 */
@Command(name = "import-lsyncd",
    description = {"Turn an lsyncd configuration into a cluster file (read as data, never run).",
        "Writes the cluster file to stdout or --out; lists on stderr, with line numbers, what could not be carried over.",
        "Exit codes: 0 all imported, 1 something was left out or clamped, 2 the file cannot be read."},
    footer = {"", "Examples:", "  replicator import-lsyncd /etc/lsyncd/lsyncd.conf.lua",
        "  replicator import-lsyncd /etc/lsyncd/lsyncd.conf.lua --out /etc/replicator/cluster.yaml"})
public final class ImportLsyncdCommand implements Callable<Integer> {
  /** lsyncd files are a few kilobytes; anything larger is not one. */
  static final long MAX_BYTES = 1 << 20;

  @Parameters(index = "0", paramLabel = "FILE.lua", description = "The lsyncd configuration, e.g. /etc/lsyncd/lsyncd.conf.lua.")
  Path file;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the cluster file here instead of stdout.")
  Path out;

  @Option(names = "--cluster", paramLabel = "NAME", description = "The cluster's name (default: from the docroot's last folder).")
  String cluster;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    String lua;
    try {
      if (Files.size(file) > MAX_BYTES) {
        err.println("replicator: " + file + ": larger than " + MAX_BYTES + " bytes; not an lsyncd configuration");
        return ExitCode.USAGE;
      }
      lua = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("replicator: cannot read " + file + ": " + reason(e));
      return ExitCode.USAGE;
    }
    LsyncdImporter.Result result;
    try {
      LsyncdFile parsed = LsyncdParser.parse(lua);
      result = LsyncdImporter.convert(parsed, cluster, file.toString(), ImportLsyncdCommand::readExcludeFile);
    } catch (LuaSyntaxException e) {
      err.println("replicator: " + file + ": " + e.getMessage());
      return ExitCode.USAGE;
    } catch (LsyncdImporter.NothingToImportException e) {
      for (ImportNote note : e.notes()) {
        err.println(file.getFileName() + ": " + note.format());
      }
      err.println("replicator: " + file + ": " + e.getMessage());
      return ExitCode.BEHIND;
    }
    ClusterConfig config;
    try {
      config = ClusterConfigLoader.parse(result.yaml(), out != null ? out : Path.of("cluster.yaml"));
    } catch (ConfigException e) {
      // Values the importer copied as written (a cluster name, a host) that the loader refuses.
      err.println("replicator: the imported cluster file would not load: " + e.getMessage());
      err.println("replicator: fix the lsyncd file or pass --cluster NAME; nothing was written");
      return ExitCode.USAGE;
    }
    for (ImportNote note : result.notes()) {
      err.println(file.getFileName() + ": " + note.format());
    }
    if (out == null) {
      spec.commandLine().getOut().print(result.yaml());
      spec.commandLine().getOut().flush();
    } else {
      write(out, result.yaml());
    }
    nextSteps(err, config, out == null ? "cluster.yaml" : out.toString());
    return result.lostSomething() ? ExitCode.BEHIND : ExitCode.OK;
  }

  private static void nextSteps(PrintWriter err, ClusterConfig config, String written) {
    List<String> slaves = config.slaves().stream().map(NodeConfig::name).toList();
    err.println();
    err.println("Next steps (docs/operations.md, \"Migrating from lsyncd\"):");
    err.println("  1. Review " + written + ": the master's host (127.0.0.1 here) must be its address on the cluster network;");
    err.println("     then copy it to /etc/replicator/cluster.yaml on every node.");
    err.println("  2. replicator certs --config /etc/replicator/cluster.yaml --out DIR, and copy DIR/<node>/ to each node's");
    err.println("     state_dir/tls/ (the master's too).");
    err.println("  3. On each slave rsync already filled (" + String.join(", ", slaves) + "):");
    err.println("     replicator adopt --config /etc/replicator/cluster.yaml --node <name>");
    err.println("  4. Start the slaves, then the master: systemctl enable --now replicator@<name>; keep lsyncd running");
    err.println("     until replicator verify reports no difference, then stop lsyncd.");
  }

  private static List<String> readExcludeFile(String path) throws IOException {
    Path p = Path.of(path);
    if (Files.size(p) > MAX_BYTES) {
      throw new IOException("larger than " + MAX_BYTES + " bytes");
    }
    return Files.readAllLines(p, StandardCharsets.UTF_8);
  }

  /** Written whole or not at all: a temp file beside it, then a rename. */
  private static void write(Path target, String text) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".import-lsyncd", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? "I/O error" : e.getMessage();
  }
}
