package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChdbLibraryTest {

    @TempDir
    Path cache;

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void failedDownloadRemovesPartialFilesAndSaysSo() throws IOException {
        List<String> progress = new ArrayList<>();
        assertThatThrownBy(() -> ChdbLibrary.ensureInstalled(cache, progress::add, List.of("sh", "-c",
                "head -c 100000 /dev/urandom > half.tgz; echo 'npm ERR! network ECONNRESET'; exit 1")))
                .isInstanceOf(ChdbServerException.class)
                .hasMessageContaining("exit code 1")
                .hasMessageContaining("ECONNRESET")
                .hasMessageContaining("partial files removed");
        assertThat(progress).anySatisfy(l -> assertThat(l).contains("partial files removed"));
        assertThat(entries()).containsExactly("chdb-" + ChdbLibrary.VERSION + ".lock");
    }

    @Test
    void tamperedTarballFailsTheIntegrityCheckAndIsRemoved() throws IOException {
        assertThatThrownBy(() -> ChdbLibrary.ensureInstalled(cache, line -> { }, List.of("sh", "-c",
                "head -c 5000 /dev/urandom > chdb-lib-linux-x64-gnu-" + ChdbLibrary.VERSION + ".tgz")))
                .isInstanceOf(ChdbServerException.class)
                .hasMessageContaining("integrity check failed");
        assertThat(entries()).containsExactly("chdb-" + ChdbLibrary.VERSION + ".lock");
    }

    @Test
    void alreadyInstalledReturnsAtOnceWithoutFetching() throws IOException {
        Path dir = ChdbLibrary.installDir(cache);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("libchdb.so"), "stand-in");
        Files.writeString(dir.resolve(".complete"), ChdbLibrary.INTEGRITY);
        long t0 = System.nanoTime();
        Path lib = ChdbLibrary.ensureInstalled(cache, line -> { }, List.of("false"));
        assertThat(lib).isEqualTo(dir.resolve("libchdb.so"));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(500);
    }

    @Test
    void directoryWithoutCompletionMarkerIsNotTrusted() throws IOException {
        Path dir = ChdbLibrary.installDir(cache);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("libchdb.so"), "half written");
        assertThatThrownBy(() -> ChdbLibrary.ensureInstalled(cache, line -> { }, List.of("false")))
                .isInstanceOf(ChdbServerException.class);
        assertThat(dir).doesNotExist();
    }
}
