package org.replicator.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * One CLI invocation in this JVM, as a user would run it: {@link Main#commandLine()} with stdout
 * and stderr captured, and the exit code {@code main} would return. For tests of what a command
 * prints and how it exits; real processes are in the {@code e2e} package.
 */
public record CliRun(int exit, String out, String err) {
  public static CliRun of(String... args) {
    var cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  public static CliRun of(List<String> args) {
    return of(args.toArray(String[]::new));
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
