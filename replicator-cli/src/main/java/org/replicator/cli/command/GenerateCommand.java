package org.replicator.cli.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.replicator.cli.ExitCode;
import org.replicator.cli.UsageException;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.StackConfig.Flavor;
import org.replicator.core.stack.GeneratedFile;
import org.replicator.core.stack.StackGenerator;
import org.replicator.core.stack.StackTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code replicator generate}: writes the stack's configuration files from the cluster file to
 * {@code DIR/<node>/...} (docs/stack.md). Deterministic and idempotent: a file whose content is
 * already right is left alone (its mtime too), others are replaced atomically; nothing is written
 * outside DIR and nothing there is deleted. The operator's include files under {@code local.d/}
 * are created once and never overwritten. A cluster file with errors writes nothing (exit 2).
 */
@Command(name = "generate", description = {
    "Write the configuration of HAProxy, Nginx, PHP-FPM, Galera, galera-check, memcached, WordPress and the",
    "systemd drop-ins from the cluster file, to DIR/<node>/ (docs/stack.md)."},
    footer = {"", "Exit status: 0 written (or already up to date), 2 the cluster file has errors or lacks a section a requested part needs.", "",
        "Examples:", "  replicator generate --config /etc/replicator/cluster.yaml --out /etc/replicator/stack",
        "  replicator generate --out /tmp/stack haproxy nginx"})
public final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "${env:REPLICATOR_CONFIG:-" + ConfigOptions.DEFAULT_CONFIG + "}",
      description = "The cluster file (YAML). Default: $REPLICATOR_CONFIG, else " + ConfigOptions.DEFAULT_CONFIG + ".")
  Path config;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder; each node's files go to DIR/<node>/.")
  Path out;

  @Parameters(paramLabel = "WHAT", arity = "0..*",
      description = "haproxy, nginx, php, galera, galera-check, memcached, systemd, wordpress or all (default: all, i.e. what the file describes).")
  List<String> what = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = ClusterConfigLoader.load(config);
    Set<StackTarget> targets = EnumSet.noneOf(StackTarget.class);
    if (what.isEmpty() || what.contains("all")) {
      targets.addAll(StackGenerator.described(cluster));
    }
    for (String w : what) {
      if (!w.equals("all")) {
        try {
          targets.add(StackTarget.ofCliName(w));
        } catch (IllegalArgumentException e) {
          throw new UsageException(e.getMessage());
        }
      }
    }
    List<GeneratedFile> files = new StackGenerator(GenerateCommand::providerOnThisMachine).generate(cluster, targets);
    Path root = out.toAbsolutePath().normalize();
    int written = 0;
    for (GeneratedFile f : files) {
      if (write(root, f)) {
        written++;
      }
    }
    spec.commandLine().getOut().println(files.size() + " files for " + files.stream().map(GeneratedFile::node).distinct().count()
        + " nodes in " + root + " (" + written + " changed)");
    spec.commandLine().getOut().flush();
    return ExitCode.OK;
  }

  /** The first Galera library of the flavour that exists here; the cluster file's wsrep_provider wins over it. */
  static Optional<String> providerOnThisMachine(Flavor flavor) {
    return StackGenerator.providerCandidates(flavor).stream().filter(p -> Files.isRegularFile(Path.of(p))).findFirst();
  }

  /**
   * Writes one file unless it already holds this content; true when written. A folder on the way
   * below DIR that is a symlink is refused: "nothing outside DIR" holds for what the paths resolve
   * to, not only for how they are spelled.
   */
  private static boolean write(Path root, GeneratedFile f) throws IOException, UsageException {
    Path target = root.resolve(f.node()).resolve(f.path()).normalize();
    if (!target.startsWith(root.resolve(f.node()))) {
      throw new IllegalStateException("refusing to write outside " + root + ": " + target);
    }
    Files.createDirectories(root);
    Path dir = root;
    for (Path name : root.relativize(target.getParent())) {
      dir = dir.resolve(name);
      if (Files.isSymbolicLink(dir)) {
        throw new UsageException("refusing to write " + target + ": " + dir + " is a symlink (to "
            + Files.readSymbolicLink(dir) + "), and nothing is written outside " + root);
      }
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir);
      }
    }
    if (f.local() && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return false; // the operator's file: created once, never overwritten
    }
    byte[] bytes = f.content().getBytes(StandardCharsets.UTF_8);
    String mode = f.executable() ? "rwxr-xr-x" : "rw-r--r--";
    if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Arrays.equals(Files.readAllBytes(target), bytes)
        && PosixFilePermissions.toString(Files.getPosixFilePermissions(target)).equals(mode)) {
      return false;
    }
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.write(temp, bytes);
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(mode));
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return true;
  }
}
