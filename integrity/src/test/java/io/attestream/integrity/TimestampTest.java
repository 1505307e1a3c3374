package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimestampTest {
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

    private static final Hash TAMPER_IMPRINT = Hash.sha256(new byte[] {7});
    private static final byte[] TAMPER_TOKEN = TSA.timestamp(TAMPER_IMPRINT);

    @Property(tries = 150)
    void tamperingWithATokenNeverChangesWhatItAttests(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int w) {
        Hash h = TAMPER_IMPRINT;
        byte[] token = TAMPER_TOKEN.clone();
        VerifiedTimestamp original = VERIFIER.verify(token, h);
        int bit = w % (token.length * 8);
        token[bit / 8] ^= (byte) (1 << (bit % 8));
        VerifiedTimestamp after;
        try {
            after = VERIFIER.verify(token, h);
        } catch (TimestampInvalidException e) {
            return;
        }
        // Only bytes no signature covers may change without failing (the unsigned certificate bag, which
        // is never trusted: the path is built to the configured anchor). What is attested stays identical.
        assertThat(after).isEqualTo(original);
    }

    @Test
    void rejectsTokenWhoseSignedTimeWasAltered() {
        Hash h = Hash.sha256(new byte[] {9});
        byte[] token = TSA.timestamp(h);
        // GeneralizedTime "20261126040000.123Z" of genTime, inside the signed TSTInfo.
        byte[] needle = "20261126040000.123Z".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(token, needle);
        assertThat(at).isPositive();
        token[at + 3] = '7';
        assertThatThrownBy(() -> VERIFIER.verify(token, h)).isInstanceOf(TimestampInvalidException.class);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void rejectsTokenFromATsaThatDoesNotChainToTheAnchor() {
        EmbeddedTimestampAuthority other = EmbeddedTimestampAuthority.generate("other", CLOCK);
        Hash h = Hash.sha256(new byte[] {2});
        assertThatThrownBy(() -> VERIFIER.verify(other.timestamp(h), h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("does not chain");
    }

    @Test
    void rejectsUnacceptedPolicyAndTimeOutOfBounds() {
        Hash h = Hash.sha256(new byte[] {3});
        byte[] token = TSA.timestamp(h);
        TimestampVerifier otherPolicy = TimestampVerifier.builder().trustAnchor(TSA.caCertificate())
                .acceptPolicy("1.2.3.4").clock(CLOCK).build();
        assertThatThrownBy(() -> otherPolicy.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("policy");
        TimestampVerifier late = TimestampVerifier.builder().trustAnchor(TSA.caCertificate()).acceptAnyPolicy()
                .notBefore(NOW.plusMillis(1)).build();
        assertThatThrownBy(() -> late.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("outside");
        TimestampVerifier past = TimestampVerifier.builder().trustAnchor(TSA.caCertificate()).acceptAnyPolicy()
                .clock(Clock.fixed(NOW.minus(Duration.ofHours(1)), ZoneOffset.UTC)).build();
        assertThatThrownBy(() -> past.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("outside");
    }

    @Test
    void repeatedVerificationOfACachedTokenStillChecksImprintAndTime() {
        Hash h = Hash.sha256(new byte[] {11});
        byte[] token = TSA.timestamp(h);
        Instant[] now = {NOW.minus(Duration.ofMinutes(10))};
        Clock moving = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        TimestampVerifier v = TimestampVerifier.builder().trustAnchor(TSA.caCertificate()).acceptAnyPolicy()
                .clock(moving).build();
        // genTime NOW is more than 5 minutes after the verifier's "now": too far in the future.
        assertThatThrownBy(() -> v.verify(token, h)).isInstanceOf(TimestampInvalidException.class);
        now[0] = NOW;
        assertThat(v.verify(token, h).genTime()).isEqualTo(NOW);
        assertThat(v.verify(token, h).genTime()).isEqualTo(NOW);
        assertThatThrownBy(() -> v.verify(token, Hash.sha256(new byte[] {12})))
                .isInstanceOf(TimestampInvalidException.class).hasMessageContaining("imprint");
        now[0] = NOW.minus(Duration.ofMinutes(10));
        assertThatThrownBy(() -> v.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("outside");
    }

    @Test
    void refusesVerifierWithoutAnchorOrPolicyChoice() {
        assertThatThrownBy(() -> TimestampVerifier.builder().acceptAnyPolicy().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trust anchor");
        assertThatThrownBy(() -> TimestampVerifier.builder().trustAnchor(TSA.caCertificate()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy");
    }

    @Test
    void rejectsGarbageToken() {
        assertThatThrownBy(() -> VERIFIER.verify(new byte[] {0x30, 0x03, 1, 2, 3}, Hash.empty()))
                .isInstanceOf(TimestampInvalidException.class);
    }

    @Test
    void savedTsaReloadsWithTheSameIdentityAndOwnerOnlyKey() throws Exception {
        TSA.save(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tsa.key"))))
                .isEqualTo("rw-------");
        EmbeddedTimestampAuthority loaded = EmbeddedTimestampAuthority.load(dir, CLOCK);
        Hash h = Hash.sha256(new byte[] {4});
        assertThat(VERIFIER.verify(loaded.timestamp(h), h).genTime()).isEqualTo(NOW);
        assertThat(EmbeddedTimestampAuthority.readCertificate(dir.resolve("tsa-ca.crt")))
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
    void httpClientReportsBackPressureWithRetryAfter() throws IOException {
        HttpServer busy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        busy.createContext("/", ex -> {
            ex.getResponseHeaders().add("Retry-After", "7");
            ex.sendResponseHeaders(429, -1);
            ex.close();
        });
        busy.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + busy.getAddress().getPort() + "/");
            HttpTimestampAuthority client = new HttpTimestampAuthority(uri, Duration.ofSeconds(5), null);
            assertThatThrownBy(() -> client.timestamp(Hash.empty())).isInstanceOfSatisfying(
                    TsaUnavailableException.class,
                    e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));
        } finally {
            busy.stop(0);
        }
    }

    @Test
    void httpClientRefusesOversizedAnswers() throws IOException {
        HttpServer huge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        huge.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] chunk = new byte[64 * 1024];
            ex.sendResponseHeaders(200, 0);
            try (var out = ex.getResponseBody()) {
                for (int i = 0; i < 40; i++) {
                    out.write(chunk);
                }
            } catch (IOException ignored) {
                // The client stops reading after the cap.
            }
            ex.close();
        });
        huge.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + huge.getAddress().getPort() + "/");
            HttpTimestampAuthority client = new HttpTimestampAuthority(uri, Duration.ofSeconds(5), null);
            assertThatThrownBy(() -> client.timestamp(Hash.empty())).isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("more than " + HttpTimestampAuthority.MAX_RESPONSE_BYTES);
        } finally {
            huge.stop(0);
        }
    }

    @Test
    void httpClientReportsUnreachableTsaAsUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HttpTimestampAuthority client = new HttpTimestampAuthority(URI.create("http://127.0.0.1:" + port + "/"),
                Duration.ofSeconds(2), null);
        assertThatThrownBy(() -> client.timestamp(Hash.empty())).isInstanceOf(TsaUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void opensslVerifiesTheEmbeddedTsaToken() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
        Hash h = Hash.sha256("checkpoint batch".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("token.der"), TSA.timestamp(h));
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder().encodeToString(TSA.caCertificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        assertThat(openssl(h)).as("openssl over the right digest").isEqualTo(0);
        assertThat(openssl(Hash.sha256(new byte[0]))).as("openssl over another digest").isNotEqualTo(0);
    }

    private int openssl(Hash digest) throws Exception {
        // -attime: the fixed test clock may lie outside the machine's "now" for certificate validity.
        Process p = new ProcessBuilder("openssl", "ts", "-verify", "-digest", HexFormat.of().formatHex(digest.toBytes()),
                "-token_in", "-in", dir.resolve("token.der").toString(), "-CAfile", dir.resolve("ca.pem").toString(),
                "-attime", String.valueOf(NOW.getEpochSecond()))
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
