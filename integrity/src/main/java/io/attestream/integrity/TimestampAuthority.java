package io.attestream.integrity;

/**
 * Something that issues RFC 3161 timestamp tokens: {@link HttpTimestampAuthority} for any TSA
 * reachable over HTTP. The self-signed development TSA of the local stack and the tests
 * ({@code io.attestream.dev.tsa.EmbeddedTimestampAuthority}, module deploy/dev-tsa) implements it too.
 *
 * <p>Implementations return the token only; they MUST NOT be trusted for its validity: callers verify
 * with a {@link TimestampVerifier} configured with the TSA's trust anchor.
 */
public interface TimestampAuthority {
    /**
     * Obtains a timestamp token over a SHA-256 message imprint.
     *
     * @param imprint the SHA-256 value to timestamp (for attestream: a batch root, see {@link TimestampedBatch})
     * @return the DER-encoded TimeStampToken (a CMS ContentInfo holding SignedData)
     * @throws TsaUnavailableException when the TSA is unreachable or asks to retry later
     * @throws IntegrityException when the TSA rejects the request or answers something that is not a token
     */
    byte[] timestamp(Hash imprint);
}
