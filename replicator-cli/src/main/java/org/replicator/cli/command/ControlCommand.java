package org.replicator.cli.command;

/**
 * A command that asks a running agent through its control socket ({@link AgentCall}): it exits 3
 * with the same sentence whenever no agent answers. The CLI's tests find these commands by this
 * interface and check that promise for each.
 */
public interface ControlCommand {}
