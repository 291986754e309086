package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;
import org.replicator.core.apply.ApplyException.Kind;

class ApplyExceptionTest {
  @Test
  void accessDeniedIsPermissionAndNamesThePath() {
    ApplyException e = ApplyException.io("PutFile", "wp-content/a.php", new AccessDeniedException("/srv/www/wp-content/a.php"), "old file kept");

    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e).hasMessage("cannot apply PutFile wp-content/a.php: permission denied; old file kept");
  }

  @Test
  void enospcFromTheKernelIsNoSpace() {
    assertThat(ApplyException.classify(new IOException("No space left on device"))).isEqualTo(Kind.NO_SPACE);
    assertThat(ApplyException.classify(new FileSystemException("/x", null, "No space left on device"))).isEqualTo(Kind.NO_SPACE);
    assertThat(ApplyException.classify(new IOException("Disk quota exceeded"))).isEqualTo(Kind.NO_SPACE);
    assertThat(ApplyException.classify(new FileSystemException("/x", null, "Operation not permitted"))).isEqualTo(Kind.PERMISSION);
  }

  @Test
  void otherErrorsAreIoWithTheirDescription() {
    ApplyException e = ApplyException.io("Mkdir", "d", new IOException("Input/output error"), "directory not created");

    assertThat(e.kind()).isEqualTo(Kind.IO);
    assertThat(e).hasMessage("cannot apply Mkdir d: IOException: Input/output error; directory not created");
  }

  @Test
  void controlCharactersInPathsAreEscapedInTheMessage() {
    ApplyException e = new ApplyException(Kind.POLICY, "Delete", "a\nforged log line", "refused");

    assertThat(e.getMessage()).doesNotContain("\n").contains("a\\x0aforged");
    assertThat(e.path()).isEqualTo("a\nforged log line");
  }
}
