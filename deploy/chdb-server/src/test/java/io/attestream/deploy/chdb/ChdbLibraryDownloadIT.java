package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads the real 167 MB npm tarball into an empty cache: slow, so only with -Pslow. */
@Tag("slow")
class ChdbLibraryDownloadIT {

    @TempDir
    Path cache;

    @Test
    void retryAfterAFailedDownloadInstallsTheRealLibrary() throws Exception {
        assertThatThrownBy(() -> ChdbLibrary.ensureInstalled(cache, line -> { }, List.of("sh", "-c", "exit 7")))
                .isInstanceOf(ChdbServerException.class);
        List<String> progress = new ArrayList<>();
        Path lib = ChdbLibrary.ensureInstalled(cache, progress::add);
        assertThat(Files.size(lib)).isGreaterThan(100_000_000L);
        assertThat(progress).anySatisfy(l -> assertThat(l).contains("verifying sha512"));
        assertThat(progress.get(progress.size() - 1)).contains("installed in");
        long t0 = System.nanoTime();
        assertThat(ChdbLibrary.ensureInstalled(cache, line -> { })).isEqualTo(lib);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(500);
    }
}
