package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.time.Instant;

/**
 * What a verified RFC 3161 token attests: the imprint existed at {@code genTime}, according to the TSA
 * whose certificate chains to a trusted anchor.
 *
 * @param imprint the SHA-256 value the token covers
 * @param genTime the TSA's time
 * @param policy the TSA policy OID in the token
 * @param serialNumber the token serial number
 * @param tsaSubject the subject DN of the TSA certificate that signed it
 */
public record VerifiedTimestamp(Hash imprint, Instant genTime, String policy, BigInteger serialNumber,
        String tsaSubject) {
    /** Checks non-null fields. */
    public VerifiedTimestamp {
        requireNonNull(imprint, "imprint");
        requireNonNull(genTime, "genTime");
        requireNonNull(policy, "policy");
        requireNonNull(serialNumber, "serialNumber");
        requireNonNull(tsaSubject, "tsaSubject");
    }
}
