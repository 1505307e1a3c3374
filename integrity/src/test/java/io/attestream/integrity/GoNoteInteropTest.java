package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed checkpoints made here open with Go's reference signed-note implementation
 * (golang.org/x/mod/sumdb/note, Debian packages golang-go and golang-golang-x-mod-dev), and a tampered
 * one does not. Skipped where Go or that package is not installed.
 */
class GoNoteInteropTest {
    private static final Path GOPATH = Path.of("/usr/share/gocode");

    @TempDir
    Path tmp;

    @Test
    void goReferenceImplementationOpensOurSignedCheckpoints() throws Exception {
        ExternalTool.require("go", "Go's reference note implementation is the oracle");
        ExternalTool.requirePresent(Files.isDirectory(GOPATH.resolve("src/golang.org/x/mod/sumdb/note")),
                "Go package golang.org/x/mod/sumdb/note under " + GOPATH + " (Debian golang-golang-x-mod-dev)",
                "Go's reference note implementation is the oracle");
        Path program = tmp.resolve("verify_notes.go");
        Files.writeString(program, TestJson.text("/vectors/checkpoint/go/verify_notes.go"));
        SigningKey key = SigningKey.fromSeed("attestream-checkpointer-2026a", new byte[32]);
        SigningKey other = SigningKey.fromSeed("other-cosigner", new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
            30, 31, 32});
        Path vkey = tmp.resolve("key.vkey");
        Files.writeString(vkey, key.verifierKey().toVkey() + "\n");

        List<String> args = new ArrayList<>(List.of("go", "run", program.toString(), vkey.toString()));
        String[][] ids = {{"acme", "agent-1"}, {"t\u00e9nant/x", "agent 7+\ud83d\ude00"}, {"a", "\u2014%"}};
        for (int i = 0; i < ids.length; i++) {
            ChainHead head = new ChainHead(LogId.of(ids[i][0], ids[i][1]), 1L << (10 * i + 1),
                    Hash.sha256(new byte[] {(byte) i}));
            // Format 2: the cadence and created extension lines are part of the signed body.
            Checkpoint c = Checkpoint.forLog(head, Hash.sha256(new byte[] {(byte) (i + 100)}),
                    new Checkpoint.Cadence(1000L << i, 60_000), Instant.parse("2026-11-26T00:00:00.250000Z"));
            Path f = tmp.resolve("good-" + i + ".note");
            Files.writeString(f, SignedCheckpoint.sign(c, List.of(other, key)).text(), StandardCharsets.UTF_8);
            args.add(f.toString());
        }
        String good = Files.readString(tmp.resolve("good-0.note"), StandardCharsets.UTF_8);
        Path tampered = tmp.resolve("tampered.note");
        Files.writeString(tampered, good.replace("\n2\n", "\n3\n"), StandardCharsets.UTF_8);
        args.add(tampered.toString());

        Run run = go(args);
        for (int i = 0; i < ids.length; i++) {
            assertThat(run.out()).contains("OK " + tmp.resolve("good-" + i + ".note") + " origin="
                    + LogId.of(ids[i][0], ids[i][1]).origin() + " verified_by=attestream-checkpointer-2026a");
        }
        assertThat(run.out()).contains("FAIL " + tampered);
        assertThat(run.exit()).as(run.out()).isEqualTo(1);

        // The stored vector notes of both checkpoint formats, with the stored test key.
        Path testKey = tmp.resolve("test-key.vkey");
        Files.writeString(testKey, TestJson.text("/vectors/checkpoint/test-key.vkey"));
        List<String> vectorArgs = new ArrayList<>(List.of("go", "run", program.toString(), testKey.toString()));
        for (String name : List.of("checkpoint/checkpoint-acme-agent-1.note",
                "checkpoint/checkpoint-format2-acme-agent-1.note",
                // With two witness cosignature lines (keys Go does not know, so it ignores them).
                "cosignature/cosigned-format2-acme-agent-1.note")) {
            Path f = tmp.resolve(name.substring(name.indexOf('/') + 1));
            Files.writeString(f, TestJson.text("/vectors/" + name), StandardCharsets.UTF_8);
            vectorArgs.add(f.toString());
        }
        Run vectors = go(vectorArgs);
        assertThat(vectors.exit()).as(vectors.out()).isZero();
        assertThat(vectors.out().lines().filter(l -> l.startsWith("OK ") && l.endsWith(
                " origin=attestream/acme/agent-1 verified_by=attestream-test-key"))).hasSize(3);
    }

    private record Run(String out, int exit) {
    }

    private Run go(List<String> args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOPATH", GOPATH.toString());
        pb.environment().put("GOCACHE", tmp.resolve("gocache").toString());
        pb.environment().put("GOFLAGS", "");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        return new Run(out, p.exitValue());
    }
}
