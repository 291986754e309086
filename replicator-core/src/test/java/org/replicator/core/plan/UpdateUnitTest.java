package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.replicator.core.apply.SwapPatterns;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;

class UpdateUnitTest {
  private static final Meta META = new Meta(0644, 0, Meta.NO_OWNER, Meta.NO_OWNER);
  private final FakeTicker ticker = new FakeTicker();
  private final UpdateUnit unit = new UpdateUnit(SwapPatterns.of(SwapPatterns.DEFAULTS), ticker);

  private static PlanResult result(int deleted, int before, Op... ops) {
    return new PlanResult(java.util.Arrays.stream(ops).map(PlannedOp::of).toList(), Map.of(), deleted, before);
  }

  @Test
  void theUpgradersBatchesBecomeOneUntilThePluginIsQuiet() {
    Object barrier = new Object();
    PlanResult delete = result(201, 205, new Op.Delete("wp-content/plugins/hello"));
    assertThat(unit.takes(delete)).isTrue();
    unit.add(delete, List.of());
    ticker.advanceMillis(20);
    unit.add(result(0, 4, new Op.Mkdir("wp-content/plugins/hello", META), new Op.Delete("wp-content/uploads/x.jpg")), List.of(barrier));
    ticker.advanceMillis(UpdateUnit.QUIET_NANOS / 1_000_000 - 1);
    assertThat(unit.due()).isFalse();
    PlanResult unrelated = result(0, 5, new Op.Delete("index.html"));
    assertThat(unit.takes(unrelated)).as("order is kept: everything joins an open unit").isTrue();
    unit.add(unrelated, List.of());
    ticker.advanceMillis(1);
    assertThat(unit.due()).as("the plugin was last touched 300 ms ago").isTrue();

    List<Object> barriers = unit.takeBarriers();
    PlanResult merged = unit.close();
    assertThat(merged.ops()).extracting(p -> p.op().path())
        .containsExactly("wp-content/plugins/hello", "wp-content/plugins/hello", "wp-content/uploads/x.jpg", "index.html");
    assertThat(merged.deletedEntries()).isEqualTo(201);
    assertThat(merged.entriesBefore()).as("the tree before the update").isEqualTo(205);
    assertThat(barriers).containsExactly(barrier);
    assertThat(unit.isOpen()).isFalse();
  }

  @Test
  void aBatchThatTouchesNoSwapRootOpensNoUnit() {
    assertThat(unit.takes(result(0, 5, new Op.Delete("wp-content/plugins"), new Op.Delete("wp-content/uploads/a")))).isFalse();
  }

  @Test
  void aUnitPastItsAgeCapIsDueEvenWhileThePluginIsStillWritten() {
    unit.add(result(0, 5, new Op.Mkdir("wp-content/themes/t", META)), List.of());
    for (int i = 0; i < 150; i++) {
      ticker.advanceMillis(200);
      unit.add(result(0, 5, new Op.Mkdir("wp-content/themes/t/d" + i, META)), List.of());
    }
    assertThat(unit.due()).isTrue();
  }

  @Test
  void withoutPatternsNothingIsMerged() {
    UpdateUnit off = new UpdateUnit(SwapPatterns.NONE, ticker);
    assertThat(off.takes(result(1, 5, new Op.Delete("wp-content/plugins/hello")))).isFalse();
  }
}
