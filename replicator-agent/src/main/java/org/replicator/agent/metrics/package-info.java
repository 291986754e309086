/**
 * The Micrometer binding: meters that read the agent's own counters and lag views ({@code
 * org.replicator.agent.stats}) at scrape time, and the bounded {@code /metrics} HTTP endpoint.
 * Names are documented in docs/metrics.md; a test pins them. Nothing else in the code base
 * depends on Micrometer.
 */
package org.replicator.agent.metrics;
