package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.testing.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Roots and proofs made here pass Go's reference transparency-log code (golang.org/x/mod/sumdb/tlog,
 * RFC 6962 hashing; Debian packages golang-go and golang-golang-x-mod-dev), and flipped proofs do
 * not. Skipped where Go or that package is not installed.
 */
class GoTlogInteropTest {
    private static final Path GOPATH = Path.of("/usr/share/gocode");
    private static final int N = 70;

    @TempDir
    Path tmp;

    private static String hex(List<Hash> path) {
        return path.isEmpty() ? "-" : path.stream().map(Hash::hex).collect(Collectors.joining(","));
    }

    @Test
    void goReferenceTlogAcceptsOurRootsAndProofsAndRejectsFlippedOnes() throws IOException, InterruptedException {
        ExternalTool.require("go", "Go's reference tlog implementation is the oracle");
        ExternalTool.requirePresent(Files.isDirectory(GOPATH.resolve("src/golang.org/x/mod/sumdb/tlog")),
                "Go package golang.org/x/mod/sumdb/tlog under " + GOPATH + " (Debian golang-golang-x-mod-dev)",
                "Go's reference tlog implementation is the oracle");
        List<Hash> leaves = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            leaves.add(Vectors.leaf(i));
        }
        MerkleTree tree = MerkleTree.of(leaves);
        StringBuilder sb = new StringBuilder("leaves\t").append(leaves.stream().map(Hash::hex)
                .collect(Collectors.joining(","))).append('\n');
        CompactMerkleTree compact = CompactMerkleTree.empty();
        for (int n = 1; n <= N; n++) {
            compact = compact.append(leaves.get(n - 1));
            sb.append("root\t").append(n).append('\t').append(compact.root().hex()).append('\n');
        }
        int inclusion = 0;
        int consistency = 0;
        for (int n = 1; n <= N; n++) {
            for (int m = 0; m < n; m++) {
                sb.append("inclusion\t").append(m).append('\t').append(n).append('\t')
                        .append(hex(tree.inclusionProof(m, n).path())).append('\n');
                inclusion++;
            }
            for (int m = 1; m <= n; m++) {
                sb.append("consistency\t").append(m).append('\t').append(n).append('\t')
                        .append(hex(tree.consistencyProof(m, n).path())).append('\n');
                consistency++;
            }
        }
        Path input = tmp.resolve("proofs.tsv");
        Files.writeString(input, sb.toString(), StandardCharsets.UTF_8);
        Path program = tmp.resolve("verify_merkle.go");
        try (InputStream in = getClass().getResourceAsStream("/vectors/go-tlog/verify_merkle.go")) {
            Files.write(program, in.readAllBytes());
        }
        ProcessBuilder pb = new ProcessBuilder("go", "run", program.toString(), input.toString())
                .redirectErrorStream(true);
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOPATH", GOPATH.toString());
        pb.environment().put("GOCACHE", tmp.resolve("gocache").toString());
        pb.environment().put("GOFLAGS", "");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("OK roots=" + N + " inclusion=" + inclusion + " consistency=" + consistency);
        assertThat(p.exitValue()).as(out).isZero();
    }
}
