package io.attestream.integrity.internal;

import java.math.BigInteger;
import java.security.Provider;
import java.security.SecureRandom;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;

/** Shared RFC 3161 constants and helpers (BouncyCastle bcpkix TSP). */
public final class Rfc3161 {
    /**
     * BouncyCastle's JCA provider, used by instance and never registered globally, so the process's
     * provider list (and the JDK's own Ed25519/ECDSA users) stay untouched.
     */
    public static final Provider BC = new BouncyCastleProvider();

    /** SHA-256, the only imprint algorithm attestream requests and accepts. */
    public static final ASN1ObjectIdentifier SHA256 = NISTObjectIdentifiers.id_sha256;

    /** HTTP content type of requests (RFC 3161 §3.4). */
    public static final String QUERY_TYPE = "application/timestamp-query";
    /** HTTP content type of responses (RFC 3161 §3.4). */
    public static final String REPLY_TYPE = "application/timestamp-reply";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Rfc3161() {
    }

    /**
     * A SHA-256 digest calculator (for the ESSCertIDv2 of the signing certificate).
     *
     * @return a new calculator
     */
    public static DigestCalculator sha256Calculator() {
        try {
            return new JcaDigestCalculatorProviderBuilder().setProvider(BC).build()
                    .get(new AlgorithmIdentifier(SHA256));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("BouncyCastle has no SHA-256 digest calculator", e);
        }
    }

    /**
     * A request over a SHA-256 imprint asking for the TSA certificate, with a random 64-bit nonce.
     *
     * @param imprint 32 bytes
     * @param policy the policy to ask for, or null for the TSA's default
     * @return the request
     */
    public static TimeStampRequest request(byte[] imprint, String policy) {
        TimeStampRequestGenerator g = new TimeStampRequestGenerator();
        g.setCertReq(true);
        if (policy != null) {
            g.setReqPolicy(new ASN1ObjectIdentifier(policy));
        }
        return g.generate(SHA256, imprint, new BigInteger(63, RANDOM));
    }

    /**
     * A fresh random 128-bit serial number (RFC 3161 needs unique serials per TSA; 2^-64 collision odds
     * after 2^32 tokens).
     *
     * @return a positive serial
     */
    public static BigInteger randomSerial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }
}
