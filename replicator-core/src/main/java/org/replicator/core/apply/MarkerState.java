package org.replicator.core.apply;

import java.util.Objects;

/**
 * What {@link DocrootMarker#check} found, with a message for the operator that names the docroot
 * and the state dir and says what to do. Only {@link Status#OK} lets a slave write and a master
 * replicate deletes; {@link Status#FRESH} lets the agent {@link DocrootMarker#initialise}.
 */
public record MarkerState(Status status, String message) {
  public enum Status {
    /** The docroot's marker carries the identity kept in the state dir. */
    OK,
    /** Docroot missing or empty, state dir without identity: a new node, may initialise. */
    FRESH,
    /** Docroot has files but no marker, state dir without identity: refuse until an operator adopts it. */
    MISSING_MARKER_NONEMPTY,
    /** Docroot has a marker but the state dir has no identity (new or wiped state dir): refuse until adopted. */
    NO_IDENTITY,
    /**
     * The state dir has an identity but the docroot is missing, empty, without marker or with
     * another identity: most likely an unmounted disk or a wrong path. Refuse.
     */
    LOST;

    /** For an operator: what was found, in words (adopt prints it). */
    public String inWords() {
      return switch (this) {
        case OK -> "the docroot carried this node's marker";
        case FRESH -> "a new node: the docroot was empty or missing";
        case MISSING_MARKER_NONEMPTY -> "the docroot had files but no marker, and the state dir no identity";
        case NO_IDENTITY -> "the docroot had a marker but the state dir no identity (a new or wiped state dir)";
        case LOST -> "the docroot did not carry the identity recorded in the state dir (another or an unmounted disk)";
      };
    }
  }

  public MarkerState {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(message, "message");
  }

  public boolean isOk() {
    return status == Status.OK;
  }
}
