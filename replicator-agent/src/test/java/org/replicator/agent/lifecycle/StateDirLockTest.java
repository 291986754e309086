package org.replicator.agent.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state_dir lock within one JVM (the demo and the in-process tests run several agents in one);
 * between processes, with SIGKILL, see replicator-cli's SingleAgentE2EIT.
 */
class StateDirLockTest {
  @TempDir Path dir;

  @Test
  void holderWritesItsPidAndASecondLockIsRefusedNamingIt() throws Exception {
    Path state = dir.resolve("state-web1");
    try (StateDirLock first = StateDirs.createAndLock(state, "web1")) {
      String pid = Long.toString(ProcessHandle.current().pid());
      assertThat(Files.readString(state.resolve(StateDirLock.FILE), StandardCharsets.US_ASCII)).isEqualTo(pid + "\n");
      assertThatThrownBy(() -> StateDirs.createAndLock(state, "web1"))
          .isInstanceOf(StateDirLockedException.class)
          .hasMessageContaining("another agent of node web1 already runs on state_dir " + state)
          .hasMessageContaining("PID " + pid)
          .hasMessageContaining("systemctl stop replicator@web1");
    }
  }

  @Test
  void releasedLockCanBeTakenAgain() throws Exception {
    Path state = dir.resolve("state-web2");
    StateDirs.createAndLock(state, "web2").close();
    try (StateDirLock again = StateDirs.createAndLock(state, "web2")) {
      assertThat(Files.exists(state.resolve(StateDirLock.FILE))).isTrue();
    }
  }

  @Test
  void refusedSecondAgentLeavesTheDirectoryModeAlone() throws Exception {
    Path state = dir.resolve("state-web3");
    try (StateDirLock first = StateDirs.createAndLock(state, "web3")) {
      // An operator loosened it while the first agent runs: tightening is the first agent's business.
      Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-x---"));
      assertThatThrownBy(() -> StateDirs.createAndLock(state, "web3")).isInstanceOf(StateDirLockedException.class);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwxr-x---");
    }
  }

  @Test
  void newStateDirIsCreatedPrivate() throws Exception {
    Path state = dir.resolve("new/state-web4");
    try (StateDirLock lock = StateDirs.createAndLock(state, "web4")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
    }
  }
}
