package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Rfc3161;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import org.bouncycastle.asn1.cmp.PKIStatus;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampResponse;

/**
 * A client for any RFC 3161 timestamp authority over HTTP (RFC 3161 §3.4: POST
 * {@code application/timestamp-query}, answer {@code application/timestamp-reply}).
 *
 * <p>Each request carries a SHA-256 imprint, a random nonce and certReq=true; the response must be
 * granted and match the request (imprint, nonce, policy when one was asked for). The token is still
 * only trusted after a {@link TimestampVerifier} checked it against the TSA's trust anchor.
 *
 * <p>Public TSAs rate-limit: HTTP 429/503, a "waiting" status and network failures raise
 * {@link TsaUnavailableException} (with Retry-After when given); callers keep the batch and retry, and
 * should batch many checkpoints per request ({@link TimestampedBatch}). Thread-safe.
 */
public final class HttpTimestampAuthority implements TimestampAuthority {
    /** Largest response accepted (tokens with a certificate chain are a few KiB). */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final URI url;
    private final Duration timeout;
    private final String policy;
    private final HttpClient http;

    /**
     * @param url the TSA endpoint, e.g. https://freetsa.org/tsr
     * @param timeout connect and request timeout
     * @param policy the policy OID to request, or null for the TSA's default
     */
    public HttpTimestampAuthority(URI url, Duration timeout, String policy) {
        this.url = requireNonNull(url, "url");
        this.timeout = requireNonNull(timeout, "timeout");
        this.policy = policy;
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("TSA URL must be http or https: " + url);
        }
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public byte[] timestamp(Hash imprint) {
        requireNonNull(imprint, "imprint");
        TimeStampRequest req = Rfc3161.request(imprint.toBytes(), policy);
        HttpResponse<byte[]> resp;
        try {
            HttpRequest httpReq = HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", Rfc3161.QUERY_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(req.getEncoded())).build();
            // A token is a few KiB; never buffer an unbounded answer from a misbehaving endpoint.
            resp = http.send(httpReq, info -> HttpResponse.BodySubscribers.mapping(
                    HttpResponse.BodySubscribers.ofInputStream(), HttpTimestampAuthority::readCapped));
        } catch (HttpTimeoutException e) {
            throw new TsaUnavailableException("TSA " + url + " did not answer within " + timeout, null, e);
        } catch (IOException | UncheckedIOException e) {
            throw new TsaUnavailableException("TSA " + url + " is unreachable: " + e, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TsaUnavailableException("interrupted while waiting for TSA " + url, null, e);
        }
        int status = resp.statusCode();
        if (status == 429 || status == 503) {
            throw new TsaUnavailableException("TSA " + url + " answered HTTP " + status + " (back off and retry)",
                    retryAfter(resp).orElse(null), null);
        }
        if (status != 200) {
            throw new IntegrityException("TSA " + url + " answered HTTP " + status + "; check the TSA URL");
        }
        if (resp.body() == null) {
            throw new IntegrityException("TSA " + url + " answered more than " + MAX_RESPONSE_BYTES
                    + " bytes; not an RFC 3161 response");
        }
        TimeStampResponse tsr;
        try {
            tsr = new TimeStampResponse(resp.body());
        } catch (TSPException | IOException | IllegalArgumentException | ClassCastException e) {
            throw new IntegrityException("TSA " + url + " answered something that is not a TimeStampResp: "
                    + e.getMessage(), e);
        }
        if (tsr.getStatus() == PKIStatus.WAITING) {
            throw new TsaUnavailableException("TSA " + url + " is busy (status waiting)", null, null);
        }
        if (tsr.getStatus() != PKIStatus.GRANTED && tsr.getStatus() != PKIStatus.GRANTED_WITH_MODS) {
            throw new IntegrityException("TSA " + url + " rejected the request: status " + tsr.getStatus()
                    + (tsr.getStatusString() == null ? "" : " (" + tsr.getStatusString() + ")")
                    + (tsr.getFailInfo() == null ? "" : ", failInfo " + tsr.getFailInfo().intValue())
                    + (policy == null ? "" : "; requested policy " + policy));
        }
        try {
            // Checks granted status, imprint, nonce, requested policy and the TSA certificate's EKU.
            tsr.validate(req);
            return tsr.getTimeStampToken().getEncoded();
        } catch (TSPException | IOException e) {
            throw new IntegrityException("TSA " + url + " refused or answered a different request: "
                    + e.getMessage() + (tsr.getStatusString() == null ? "" : " (" + tsr.getStatusString() + ")"), e);
        }
    }

    private static byte[] readCapped(InputStream in) {
        try (in) {
            byte[] b = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            return b.length > MAX_RESPONSE_BYTES ? null : b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> resp) {
        return resp.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v.strip())));
            } catch (NumberFormatException e) {
                // HTTP-date form: not worth parsing; callers fall back to their own back-off.
                return Optional.empty();
            }
        });
    }

    @Override
    public String toString() {
        return "HttpTimestampAuthority[" + url + "]";
    }
}
