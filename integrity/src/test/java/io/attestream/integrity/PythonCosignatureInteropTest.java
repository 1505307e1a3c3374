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
 * Cosignatures made now by the Java code verify with the independent Python implementation
 * ({@code vectors/cosignature/cosignature.py}: hashlib + cryptography's Ed25519, written from
 * docs/integrity.md §6), and tampered ones do not. Needs python3 with the {@code cryptography} package
 * (Debian python3-cryptography); skipped without, failing with CI=true.
 */
class PythonCosignatureInteropTest {
    private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path tmp;

    @Test
    void independentPythonImplementationVerifiesOurCosignaturesAndRejectsTamperedOnes() throws Exception {
        // Debian's interpreter first: .ci/run installs python3-cryptography for it.
        Path python = Files.isExecutable(DEBIAN_PYTHON) ? DEBIAN_PYTHON
                : ExternalTool.require("python3", "the independent cosignature/v1 implementation is Python");
        ExternalTool.requirePresent(run(List.of(python.toString(), "-c", "import cryptography")).exit() == 0,
                "Python package cryptography (Debian python3-cryptography)",
                "the independent cosignature/v1 implementation uses its Ed25519");
        Path script = tmp.resolve("cosignature.py");
        Files.writeString(script, TestJson.text("/vectors/cosignature/cosignature.py"));
        SigningKey log = SigningKey.fromSeed("attestream-checkpointer-2026a", new byte[32]);
        SigningKey witness = SigningKey.fromSeed("witness.example.org/attestream", new byte[] {
            9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8});
        Path vkey = tmp.resolve("witness.vkey");
        Files.writeString(vkey, CosignerKey.of(witness).toVkey() + "\n");

        List<String> args = new ArrayList<>(List.of(python.toString(), script.toString(), "verify", vkey.toString()));
        String[][] ids = {{"acme", "agent-1"}, {"t\u00e9nant/x", "agent 7+\ud83d\ude00"}};
        long[] times = {1, Instant.parse("2026-12-03T10:00:00Z").getEpochSecond(), Long.MAX_VALUE};
        List<Path> good = new ArrayList<>();
        for (int i = 0; i < times.length; i++) {
            String[] id = ids[i % ids.length];
            ChainHead head = new ChainHead(LogId.of(id[0], id[1]), 1L << (20 * i), Hash.sha256(new byte[] {(byte) i}));
            Checkpoint c = Checkpoint.forLog(head, Hash.sha256(new byte[] {(byte) (i + 50)}),
                    new Checkpoint.Cadence(1000, 60_000), Instant.parse("2026-12-03T09:59:59.123456Z"));
            SignedCheckpoint note = SignedCheckpoint.sign(c, log);
            SignedCheckpoint cosigned = note.withSignatures(List.of(Cosignature.sign(witness, times[i], c).toLine()));
            Path f = tmp.resolve("good-" + i + ".note");
            Files.writeString(f, cosigned.text(), StandardCharsets.UTF_8);
            good.add(f);
            args.add(f.toString());
        }
        String first = Files.readString(good.get(0), StandardCharsets.UTF_8);
        Path tamperedBody = tmp.resolve("tampered-body.note");
        Files.writeString(tamperedBody, first.replace("\n1\n", "\n2\n"), StandardCharsets.UTF_8);
        args.add(tamperedBody.toString());
        // A cosignature of the witness key with the wrong key-id type byte (0x01) is not by this cosigner.
        SignedCheckpoint plain = SignedCheckpoint.parse(first.substring(0, first.lastIndexOf("\u2014 witness")));
        Cosignature c0 = Cosignature.fromLine(SignedCheckpoint.parse(first).signatures().get(1));
        NoteSignature type1 = new NoteSignature(witness.name(), witness.verifierKey().keyId(), c0.toLine().signature());
        Path wrongId = tmp.resolve("wrong-key-id.note");
        Files.writeString(wrongId, plain.withSignatures(List.of(type1)).text(), StandardCharsets.UTF_8);
        args.add(wrongId.toString());

        Run r = run(args);
        for (int i = 0; i < good.size(); i++) {
            assertThat(r.out()).as(r.out()).contains("OK " + good.get(i) + " cosigner=witness.example.org/attestream time="
                    + times[i] + " size=" + (1L << (20 * i)) + "\n");
        }
        assertThat(r.out()).contains("FAIL " + tamperedBody + " cosignature by witness.example.org/attestream does not "
                + "verify");
        assertThat(r.out()).contains("FAIL " + wrongId + " no cosignature by witness.example.org/attestream");
        assertThat(r.exit()).as(r.out()).isEqualTo(1);
    }

    private record Run(String out, int exit) {
    }

    private static Run run(List<String> args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(out, p.exitValue());
    }
}
