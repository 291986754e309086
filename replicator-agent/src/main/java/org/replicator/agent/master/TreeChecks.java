package org.replicator.agent.master;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's verify or resync across slaves ({@code replicator verify} / {@code resync}): asks
 * each selected link for a {@link TreeCheck}, waits for all of them up to a deadline, cancels
 * the ones left when the client goes away or the time is up, and merges the reports. Stateless;
 * runs on the control thread that asked.
 */
final class TreeChecks {
  private static final Logger log = LoggerFactory.getLogger(TreeChecks.class);

  private TreeChecks() {}

  /** See {@link MasterAgent#checkTrees(String, boolean, long, CompletableFuture)}. */
  static Map<String, Object> run(List<SlaveLink> links, String slaveName, boolean repair, long timeoutMillis, CompletableFuture<?> clientGone)
      throws Exception {
    List<SlaveLink> selected = new ArrayList<>();
    for (SlaveLink link : links) {
      if (slaveName == null || slaveName.isEmpty() || link.name().equals(slaveName)) {
        selected.add(link);
      }
    }
    if (selected.isEmpty()) {
      throw new IllegalArgumentException("no slave named '" + slaveName + "'");
    }
    List<Map<String, Object>> reports = new ArrayList<>();
    List<TreeCheck> checks = new ArrayList<>();
    for (SlaveLink link : selected) {
      checks.add(link.check(repair));
    }
    clientGone.thenRun(() -> {
      for (int i = 0; i < checks.size(); i++) {
        if (checks.get(i).cancel("the client went away")) {
          log.info("slave={} {} cancelled: the client went away", selected.get(i).name(), checks.get(i).kind);
        }
      }
    });
    long deadline = System.currentTimeMillis() + timeoutMillis;
    long total = 0;
    for (int i = 0; i < selected.size(); i++) {
      Map<String, Object> r;
      try {
        r = checks.get(i).result.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        total += ((Number) r.get("differenceCount")).longValue();
      } catch (TimeoutException e) {
        String waited = selected.get(i).checkWaitsFor();
        checks.get(i).cancel("timed out");
        r = new LinkedHashMap<>(Map.of("name", selected.get(i).name(),
            "error", "no answer within " + (timeoutMillis >= 1000 ? timeoutMillis / 1000 + " s" : timeoutMillis + " ms") + " (" + waited
                + "; see replicator status)"));
      } catch (CancellationException e) {
        r = new LinkedHashMap<>(Map.of("name", selected.get(i).name(), "error", "cancelled: " + e.getMessage()));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        r = new LinkedHashMap<>(Map.of("name", selected.get(i).name(), "error",
            cause.getMessage() != null ? cause.getMessage() : "failed without a reason; the master's log has the details"));
      }
      reports.add(r);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("differenceCount", total);
    result.put("slaves", reports);
    return result;  }
}
