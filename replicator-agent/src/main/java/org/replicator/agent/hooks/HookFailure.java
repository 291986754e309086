package org.replicator.agent.hooks;

/**
 * The last failed run of a hook, shown by {@code replicator status} on the slave until the hook
 * next succeeds. {@code exitCode} is -1 for a timeout or a program that could not start.
 */
public record HookFailure(String hook, long seq, long atMillis, int exitCode, boolean timedOut, String reason, String stderrTail) {}
