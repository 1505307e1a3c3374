package io.attestream.dev.tsa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.Hash;
import io.attestream.integrity.HttpTimestampAuthority;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.KeyException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampInvalidException;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.TimestampedBatch;
import io.attestream.integrity.TsaUnavailableException;
import io.attestream.integrity.VerifiedTimestamp;
import io.attestream.testing.ExternalTool;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The development TSA issues tokens the integrity library's verifier (and openssl) accept, over HTTP
 * and in-process, and keeps its identity across save/load. The verifier's own rejection rules are
 * tested in integrity against stored and openssl-issued tokens.
 */
class EmbeddedTimestampAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-11-26T04:00:00.123Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final EmbeddedTimestampAuthority TSA = EmbeddedTimestampAuthority.generate("test", CLOCK);
    private static final TimestampVerifier VERIFIER = TimestampVerifier.builder().trustAnchor(TSA.caCertificate())
            .acceptPolicy(TSA.policy()).clock(CLOCK).build();
    private static final SigningKey KEY = SigningKey.fromSeed("k", new byte[32]);

    @TempDir
    Path dir;

    private static String note(long size) {
        Hash root = Hash.sha256(("root" + size).getBytes(StandardCharsets.UTF_8));
        Hash head = Hash.sha256(("head" + size).getBytes(StandardCharsets.UTF_8));
        return SignedCheckpoint.sign(Checkpoint.forLog(new ChainHead(LogId.of("t", "a"), size, head), root,
                new Checkpoint.Cadence(1000, 60_000), NOW.minusSeconds(1)), KEY).text();
    }

    @Test
    void embeddedTokenVerifiesWithGenTimeFromTheClock() {
        Hash h = Hash.sha256(new byte[] {1});
        VerifiedTimestamp v = VERIFIER.verify(TSA.timestamp(h), h);
        assertThat(v.genTime()).isEqualTo(NOW);
        assertThat(v.imprint()).isEqualTo(h);
        assertThat(v.policy()).isEqualTo(EmbeddedTimestampAuthority.DEFAULT_POLICY);
        assertThat(v.tsaSubject()).contains("test TSA");
    }

    @Test
    void tokenOverAnotherCheckpointDoesNotVerify() {
        String a = note(1);
        String b = note(2);
        CheckpointTimestamp ts = TimestampedBatch.timestamp(List.of(a), TSA).timestamps().get(0);
        assertThat(ts.verify(a, VERIFIER).genTime()).isEqualTo(NOW);
        assertThatThrownBy(() -> ts.verify(b, VERIFIER)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("imprint");
    }

    /** docs/integrity.md section 5.1: a batch of one is valid; its path is empty and its root the note's leaf hash. */
    @Test
    void aBatchOfOneHasAnEmptyPathAndTheLeafHashOfTheNoteAsItsRoot() throws Exception {
        String a = note(7);
        TimestampedBatch batch = TimestampedBatch.timestamp(List.of(a), TSA);
        byte[] noteHash = java.security.MessageDigest.getInstance("SHA-256").digest(a.getBytes(StandardCharsets.UTF_8));
        byte[] leaf = new byte[33];
        System.arraycopy(noteHash, 0, leaf, 1, 32);
        assertThat(batch.root()).isEqualTo(Hash.sha256(leaf));
        CheckpointTimestamp ts = batch.timestamps().get(0);
        assertThat(ts.toJson()).startsWith("{\"version\":1,\"leaf_index\":0,\"batch_size\":1,\"batch_path\":[],");
        assertThat(CheckpointTimestamp.fromJson(ts.toJson()).verify(a, VERIFIER).imprint()).isEqualTo(batch.root());
    }

    @Property(tries = 10)
    void everyCheckpointOfABatchVerifiesAndNoOtherDoes(@ForAll @IntRange(min = 1, max = 33) int n) {
        List<String> notes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            notes.add(note(i));
        }
        TimestampedBatch batch = TimestampedBatch.timestamp(notes, TSA);
        assertThat(batch.root()).isEqualTo(TimestampedBatch.root(notes));
        String outsider = note(n + 1);
        for (int i = 0; i < n; i++) {
            CheckpointTimestamp ts = CheckpointTimestamp.fromJson(batch.timestamps().get(i).toJson());
            assertThat(ts).isEqualTo(batch.timestamps().get(i));
            assertThat(ts.verify(notes.get(i), VERIFIER).imprint()).isEqualTo(batch.root());
            assertThatThrownBy(() -> ts.verify(outsider, VERIFIER)).isInstanceOf(TimestampInvalidException.class);
            if (n > 1) {
                String neighbour = notes.get((i + 1) % n);
                assertThatThrownBy(() -> ts.verify(neighbour, VERIFIER)).isInstanceOf(TimestampInvalidException.class);
            }
        }
    }

    @Test
    void rejectsTokenFromATsaThatDoesNotChainToTheAnchor() {
        EmbeddedTimestampAuthority other = EmbeddedTimestampAuthority.generate("other", CLOCK);
        Hash h = Hash.sha256(new byte[] {2});
        assertThatThrownBy(() -> VERIFIER.verify(other.timestamp(h), h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("does not chain");
    }

    @Test
    void savedTsaReloadsWithTheSameIdentityAndOwnerOnlyKey() throws Exception {
        TSA.save(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tsa.key"))))
                .isEqualTo("rw-------");
        EmbeddedTimestampAuthority loaded = EmbeddedTimestampAuthority.load(dir, CLOCK);
        Hash h = Hash.sha256(new byte[] {4});
        assertThat(VERIFIER.verify(loaded.timestamp(h), h).genTime()).isEqualTo(NOW);
        assertThat(TimestampVerifier.readCertificate(dir.resolve("tsa-ca.crt")))
                .isEqualTo(TSA.caCertificate());
        assertThatThrownBy(() -> TSA.save(dir)).isInstanceOf(KeyException.class).hasMessageContaining("overwrite");
    }

    @Test
    void httpClientObtainsVerifiableTokenFromServedEmbeddedTsa() {
        try (EmbeddedTimestampAuthority.Server server = TSA.serve(new InetSocketAddress("127.0.0.1", 0))) {
            HttpTimestampAuthority client = new HttpTimestampAuthority(server.uri(), Duration.ofSeconds(5), null);
            List<String> notes = List.of(note(1), note(2), note(3));
            TimestampedBatch batch = TimestampedBatch.timestamp(notes, client);
            for (int i = 0; i < notes.size(); i++) {
                assertThat(batch.timestamps().get(i).verify(notes.get(i), VERIFIER).genTime()).isEqualTo(NOW);
            }
            HttpTimestampAuthority wrongPolicy = new HttpTimestampAuthority(server.uri(), Duration.ofSeconds(5),
                    "1.2.3.4");
            assertThatThrownBy(() -> wrongPolicy.timestamp(Hash.empty())).isInstanceOf(IntegrityException.class)
                    .isNotInstanceOf(TsaUnavailableException.class);
        }
    }

    @Test
    void opensslVerifiesTheEmbeddedTsaToken() throws Exception {
        Path openssl = ExternalTool.require("openssl", "openssl ts -verify is the independent check of our tokens");
        Hash h = Hash.sha256("checkpoint batch".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("token.der"), TSA.timestamp(h));
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(TSA.caCertificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        assertThat(openssl(openssl, h)).as("openssl over the right digest").isEqualTo(0);
        assertThat(openssl(openssl, Hash.sha256(new byte[0]))).as("openssl over another digest").isNotEqualTo(0);
    }

    private int openssl(Path openssl, Hash digest) throws Exception {
        // -attime: the fixed test clock may lie outside the machine's "now" for certificate validity.
        Process p = new ProcessBuilder(openssl.toString(), "ts", "-verify", "-digest", HexFormat.of().formatHex(digest.toBytes()),
                "-token_in", "-in", dir.resolve("token.der").toString(), "-CAfile", dir.resolve("ca.pem").toString(),
                "-attime", String.valueOf(NOW.getEpochSecond()))
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
