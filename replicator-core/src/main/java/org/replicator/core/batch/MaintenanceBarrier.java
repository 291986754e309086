package org.replicator.core.batch;

import org.replicator.core.watch.ChangeEvent;

/**
 * WordPress's maintenance mode as an ordering barrier. While it updates core, a plugin or a theme,
 * WordPress keeps a {@code .maintenance} file at the top of the docroot, and every request gets
 * "briefly unavailable" instead of running a mix of old and new PHP files. A slave is protected
 * only if the file arrives there before any change made while it exists, and goes only after
 * every change made before its removal was applied.
 *
 * <p>The coalescer therefore cuts its pending changes at each appearance ({@link Edge#ON}) and
 * removal ({@link Edge#OFF}) of the file: what came before goes in a batch of its own, then the
 * file's own change in another, and only then the changes that follow. Batches are planned,
 * journaled, sent and applied in order, so the order on every slave is the order on the master.
 * The planner never folds either edge away (see {@code Planner}: an ON whose file is already gone
 * still sends one, an OFF always sends the delete).
 *
 * <p>Only the top-level file counts: a {@code .maintenance} deeper in the tree is an ordinary file.
 */
public final class MaintenanceBarrier {
  /** The file WordPress writes ({@code WP_Upgrader::maintenance_mode}). */
  public static final String FILE = ".maintenance";

  /** What an event did to maintenance mode. */
  public enum Edge {
    /** Not about {@code .maintenance}: an ordinary batch. */
    NONE,
    /** {@code .maintenance} appeared or changed (created, written, closed, renamed into place). */
    ON,
    /** {@code .maintenance} went (deleted or renamed away). */
    OFF
  }

  private MaintenanceBarrier() {}

  /** The edge an event makes, {@link Edge#NONE} when it is not about the top-level file. */
  public static Edge edgeOf(ChangeEvent event) {
    if (event.kind() == ChangeEvent.Kind.MOVED && FILE.equals(event.from()) && !FILE.equals(event.path())) {
      return Edge.OFF;
    }
    if (!FILE.equals(event.path())) {
      return Edge.NONE;
    }
    return switch (event.kind()) {
      case DELETE -> Edge.OFF;
      case CREATE, MODIFY, CLOSE_WRITE, MOVED -> Edge.ON;
      case ATTRIB, FOUND -> Edge.NONE; // a chmod or a scan finding says nothing about the mode
    };
  }

  /**
   * A synthesized {@code .maintenance} for an ON whose file was already gone when planned (the
   * update ended before the planner reached it): the same content WordPress writes, with the time
   * the planner saw it, so that the changes that follow are still applied behind it.
   */
  public static String wordpressContent(long epochSeconds) {
    return "<?php $upgrading = " + epochSeconds + "; ?>";
  }
}
