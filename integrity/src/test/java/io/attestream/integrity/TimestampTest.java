package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * TimestampVerifier's rules, on the stored vector token (issued once by a throwaway development TSA, see
 * {@link TimestampVectors}), and the HTTP client's failure handling. Tokens from a live TSA: the
 * development TSA's tests (deploy/dev-tsa) and OpensslTimestampTest (openssl as the TSA).
 */
class TimestampTest {
    private static final Instant NOW = TimestampVectors.GEN_TIME;
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final X509Certificate CA = TimestampVectors.ca();
    private static final TimestampVerifier VERIFIER = TimestampVerifier.builder().trustAnchor(CA)
            .acceptPolicy(TimestampVectors.POLICY).clock(CLOCK).build();
    private static final Hash IMPRINT = TimestampedBatch.root(TimestampVectors.notes());
    private static final byte[] TOKEN = TimestampVectors.token();

    @Property(tries = 150)
    void tamperingWithATokenNeverChangesWhatItAttests(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int w) {
        Hash h = IMPRINT;
        byte[] token = TOKEN.clone();
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
        Hash h = IMPRINT;
        byte[] token = TOKEN.clone();
        // GeneralizedTime "20261126000000.25Z" of genTime (DER drops trailing zeros), inside the signed TSTInfo.
        byte[] needle = "20261126000000.25Z".getBytes(StandardCharsets.US_ASCII);
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
    void rejectsUnacceptedPolicyAndTimeOutOfBounds() {
        Hash h = IMPRINT;
        byte[] token = TOKEN;
        TimestampVerifier otherPolicy = TimestampVerifier.builder().trustAnchor(CA)
                .acceptPolicy("1.2.3.4").clock(CLOCK).build();
        assertThatThrownBy(() -> otherPolicy.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("policy");
        TimestampVerifier late = TimestampVerifier.builder().trustAnchor(CA).acceptAnyPolicy()
                .notBefore(NOW.plusMillis(1)).build();
        assertThatThrownBy(() -> late.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("outside");
        TimestampVerifier past = TimestampVerifier.builder().trustAnchor(CA).acceptAnyPolicy()
                .clock(Clock.fixed(NOW.minus(Duration.ofHours(1)), ZoneOffset.UTC)).build();
        assertThatThrownBy(() -> past.verify(token, h)).isInstanceOf(TimestampInvalidException.class)
                .hasMessageContaining("outside");
    }

    @Test
    void repeatedVerificationOfACachedTokenStillChecksImprintAndTime() {
        Hash h = IMPRINT;
        byte[] token = TOKEN;
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
        TimestampVerifier v = TimestampVerifier.builder().trustAnchor(CA).acceptAnyPolicy()
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
        assertThatThrownBy(() -> TimestampVerifier.builder().trustAnchor(CA).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy");
    }

    @Test
    void rejectsGarbageToken() {
        assertThatThrownBy(() -> VERIFIER.verify(new byte[] {0x30, 0x03, 1, 2, 3}, Hash.empty()))
                .isInstanceOf(TimestampInvalidException.class);
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

}
