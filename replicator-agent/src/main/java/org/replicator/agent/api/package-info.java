/**
 * The agent's one public surface for the command line: everything {@code replicator-cli} may use,
 * and nothing else of the agent. The CLI talks to a running agent through {@link
 * org.replicator.agent.api.ControlClient}; it runs one in this JVM through {@link
 * org.replicator.agent.api.LocalNode} ({@code replicator agent}, {@code replicator demo}); it
 * prepares a node with {@link org.replicator.agent.api.Certificates} and {@link
 * org.replicator.agent.api.StateDir}. A test in the CLI module fails when the CLI imports any other
 * agent package.
 */
package org.replicator.agent.api;
