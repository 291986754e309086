package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;

/** Which ops may be applied before the verified puts still waiting for their fsync. */
class PendingPutPassingTest {
  private static final long MTIME = 1_700_000_000_000_000_000L;

  private static Op.SetMeta setMeta(String path, int mode) {
    return new Op.SetMeta(path, new Meta(mode, MTIME, Meta.NO_OWNER, Meta.NO_OWNER));
  }

  @Test
  void setMetaOfTheParentOfPendingPutsPassesThem() {
    assertThat(PendingPutPassing.mayPass(setMeta("d", 0755), List.of("d/a.php", "d/b.php"))).isTrue();
    assertThat(PendingPutPassing.mayPass(setMeta("", 0755), List.of("d/a.php"))).as("the docroot").isTrue();
    assertThat(PendingPutPassing.mayPass(setMeta("e", 0555), List.of("d/a.php"))).as("an unrelated directory").isTrue();
  }

  @Test
  void setMetaOfAPendingPutsOwnPathWaitsForIt() {
    assertThat(PendingPutPassing.mayPass(setMeta("d/a.php", 0644), List.of("d/a.php"))).isFalse();
  }

  @Test
  void setMetaUnderAPendingPutWaitsForIt() {
    // The put replaces a directory by a file: what lies under it must see the put first.
    assertThat(PendingPutPassing.mayPass(setMeta("d/x/y", 0644), List.of("d/x"))).isFalse();
  }

  @Test
  void setMetaThatTakesTheOwnersWriteOrSearchFromAnAncestorWaitsForThePutsUnderIt() {
    assertThat(PendingPutPassing.mayPass(setMeta("d", 0555), List.of("d/a.php"))).isFalse();
    assertThat(PendingPutPassing.mayPass(setMeta("d", 0644), List.of("d/e/a.php"))).isFalse();
    assertThat(PendingPutPassing.mayPass(setMeta("", 0500), List.of("a.php"))).isFalse();
  }

  @Test
  void otherOpsWaitForThePendingPuts() {
    Meta dir = new Meta(0755, MTIME, Meta.NO_OWNER, Meta.NO_OWNER);
    assertThat(PendingPutPassing.mayPass(new Op.Mkdir("e", dir), List.of("d/a.php"))).isFalse();
    assertThat(PendingPutPassing.mayPass(new Op.Delete("e"), List.of("d/a.php"))).isFalse();
    assertThat(PendingPutPassing.mayPass(new Op.Move("f", "e"), List.of("d/a.php"))).isFalse();
  }
}
