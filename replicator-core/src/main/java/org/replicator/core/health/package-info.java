/**
 * What a slave tells the load balancer and the web health check about how current it is: the
 * up/drain/down rule of the HAProxy agent-check ({@link org.replicator.core.health.Verdict}), and
 * the freshness file's format and reader ({@link org.replicator.core.health.Freshness}, {@link
 * org.replicator.core.health.FreshnessCheck}). Pure logic over numbers and a clock; the agent
 * measures the lag and serves the answers.
 */
package org.replicator.core.health;
