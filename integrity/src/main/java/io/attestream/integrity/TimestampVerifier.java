package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Rfc3161;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.tsp.TimeStampTokenInfo;

/**
 * Fully verifies RFC 3161 timestamp tokens: the message imprint (SHA-256, equal to the expected value),
 * the CMS signature and ESSCertID binding, the TSA certificate's critical {@code id-kp-timeStamping}
 * EKU and validity at genTime, a PKIX path from the TSA certificate to one of the given trust anchors
 * (at genTime; revocation is not checked: no CRL/OCSP in this deployment), the policy OID, and genTime
 * within this verifier's window [{@link Builder#notBefore}, {@link Builder#notAfter}] (both inclusive; by default
 * no lower bound and the clock's now + 5 minutes), which is distinct from the TSA certificate's own validity
 * period checked above. Any failure is a {@link TimestampInvalidException}. Configuration is
 * immutable; the instance memoizes successful checks by token hash (see {@code verified}) and is thread-safe.
 */
public final class TimestampVerifier {
    private static final int CACHE_SIZE = 4096;

    private final Set<TrustAnchor> anchors;
    private final List<X509Certificate> anchorCerts;
    private final List<X509Certificate> extraCerts;
    private final Set<String> policies;
    private final Instant notBefore;
    private final Instant notAfter;
    private final Clock clock;
    private final Duration maxFuture;
    /**
     * Successful checks by SHA-256 of the token bytes. Everything checked except the time bounds depends
     * only on the token bytes and this verifier's immutable configuration, so a hit re-checks only the
     * imprint and the time; a batch token shared by many checkpoints is verified cryptographically once.
     */
    private final Map<Hash, VerifiedTimestamp> verified = new ConcurrentHashMap<>();

    private TimestampVerifier(Builder b) {
        this.anchorCerts = List.copyOf(b.anchors);
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate c : anchorCerts) {
            a.add(new TrustAnchor(c, null));
        }
        this.anchors = Set.copyOf(a);
        this.extraCerts = List.copyOf(b.extra);
        this.policies = b.anyPolicy ? null : Set.copyOf(b.policies);
        this.notBefore = b.notBefore;
        this.notAfter = b.notAfter;
        this.clock = b.clock;
        this.maxFuture = b.maxFuture;
    }

    /**
     * Starts a verifier configuration.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a PEM (or DER) X.509 certificate file, e.g. the TSA CA certificate a verifier trusts.
     *
     * @param file the file
     * @return the certificate
     * @throws KeyException when unreadable or not a certificate
     */
    public static X509Certificate readCertificate(Path file) {
        requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new KeyException("cannot read certificate " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Verifies a token against the imprint the caller recomputed itself.
     *
     * @param tokenDer the DER TimeStampToken
     * @param expectedImprint the SHA-256 value the token must cover
     * @return what the token attests
     * @throws TimestampInvalidException on any failure
     */
    public VerifiedTimestamp verify(byte[] tokenDer, Hash expectedImprint) {
        requireNonNull(tokenDer, "tokenDer");
        requireNonNull(expectedImprint, "expectedImprint");
        try {
            Hash key = Hash.sha256(tokenDer);
            VerifiedTimestamp hit = verified.get(key);
            if (hit != null && hit.imprint().equals(expectedImprint)) {
                checkTime(hit.genTime());
                return hit;
            }
            VerifiedTimestamp v = check(tokenDer, expectedImprint);
            if (verified.size() >= CACHE_SIZE) {
                verified.clear();
            }
            verified.put(key, v);
            return v;
        } catch (IntegrityException e) {
            throw e;
        } catch (RuntimeException e) {
            // BouncyCastle's ASN.1 layer reports malformed structures with assorted unchecked exceptions.
            throw new TimestampInvalidException("malformed timestamp token: " + e, e);
        }
    }

    private VerifiedTimestamp check(byte[] tokenDer, Hash expectedImprint) {
        TimeStampToken token;
        try {
            token = new TimeStampToken(new CMSSignedData(tokenDer));
        } catch (CMSException | TSPException | IOException | IllegalArgumentException | ClassCastException e) {
            throw new TimestampInvalidException("not an RFC 3161 timestamp token: " + e.getMessage(), e);
        }
        TimeStampTokenInfo info = token.getTimeStampInfo();
        if (!Rfc3161.SHA256.equals(info.getMessageImprintAlgOID())) {
            throw new TimestampInvalidException("token imprint algorithm is " + info.getMessageImprintAlgOID()
                    + ", expected SHA-256 (" + Rfc3161.SHA256 + ")");
        }
        if (!MessageDigest.isEqual(info.getMessageImprintDigest(), expectedImprint.toBytes())) {
            throw new TimestampInvalidException("token covers imprint "
                    + HexFormat.of().formatHex(info.getMessageImprintDigest()) + ", expected "
                    + expectedImprint.hex());
        }
        Instant genTime = info.getGenTime().toInstant();
        String policy = info.getPolicy().getId();
        if (policies != null && !policies.contains(policy)) {
            throw new TimestampInvalidException("token policy " + policy + " is not among the accepted " + policies);
        }
        checkTime(genTime);

        List<X509Certificate> certs = new ArrayList<>(extraCerts);
        X509Certificate signer = null;
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try {
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> inToken = token.getCertificates().getMatches(null);
            for (X509CertificateHolder h : inToken) {
                X509Certificate c = conv.getCertificate(h);
                certs.add(c);
            }
            for (X509Certificate c : certs) {
                if (token.getSID().match(new X509CertificateHolder(c.getEncoded()))) {
                    signer = c;
                    break;
                }
            }
        } catch (GeneralSecurityException | IOException e) {
            throw new TimestampInvalidException("token certificates do not parse: " + e.getMessage(), e);
        }
        if (signer == null) {
            throw new TimestampInvalidException("the TSA certificate that signed the token is neither in the token nor "
                    + "among the configured certificates");
        }
        try {
            // Signature, ESSCertID(v2) binding, critical timeStamping EKU, certificate validity at genTime.
            token.validate(new JcaSimpleSignerInfoVerifierBuilder().setProvider(Rfc3161.BC).build(signer));
        } catch (TSPException | OperatorCreationException | IllegalArgumentException e) {
            throw new TimestampInvalidException("token signature by " + signer.getSubjectX500Principal()
                    + " does not verify: " + e.getMessage(), e);
        }
        checkPath(signer, certs, genTime);
        return new VerifiedTimestamp(expectedImprint, genTime, policy, info.getSerialNumber(),
                signer.getSubjectX500Principal().getName());
    }

    private void checkTime(Instant genTime) {
        Instant upper = notAfter != null ? notAfter : clock.instant().plus(maxFuture);
        if (notBefore != null && genTime.isBefore(notBefore) || genTime.isAfter(upper)) {
            throw new TimestampInvalidException("token genTime " + genTime + " is outside [" + notBefore + ", "
                    + upper + "]");
        }
    }

    private void checkPath(X509Certificate signer, List<X509Certificate> certs, Instant at) {
        if (anchorCerts.contains(signer)) {
            return;
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(signer);
            PKIXBuilderParameters p = new PKIXBuilderParameters(anchors, target);
            p.setRevocationEnabled(false);
            p.setDate(Date.from(at));
            p.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(certs)));
            CertPathBuilder.getInstance("PKIX").build(p);
        } catch (GeneralSecurityException e) {
            throw new TimestampInvalidException("TSA certificate " + signer.getSubjectX500Principal()
                    + " does not chain to a trusted anchor at " + at + ": " + e.getMessage(), e);
        }
    }

    /** Configuration of a {@link TimestampVerifier}; trust anchors and a policy choice are required. */
    public static final class Builder {
        private final List<X509Certificate> anchors = new ArrayList<>();
        private final List<X509Certificate> extra = new ArrayList<>();
        private final Set<String> policies = new HashSet<>();
        private boolean anyPolicy;
        private Instant notBefore;
        private Instant notAfter;
        private Clock clock = Clock.systemUTC();
        private Duration maxFuture = Duration.ofMinutes(5);

        private Builder() {
        }

        /**
         * Trusts a root (or intermediate) certificate as the end of TSA certificate paths.
         *
         * @param anchor the certificate
         * @return this
         */
        public Builder trustAnchor(X509Certificate anchor) {
            anchors.add(requireNonNull(anchor, "anchor"));
            return this;
        }

        /**
         * Adds intermediate or TSA certificates for tokens that do not carry them.
         *
         * @param cert a certificate (not trusted by itself)
         * @return this
         */
        public Builder certificate(X509Certificate cert) {
            extra.add(requireNonNull(cert, "cert"));
            return this;
        }

        /**
         * Accepts tokens issued under this policy OID.
         *
         * @param oid dotted OID
         * @return this
         */
        public Builder acceptPolicy(String oid) {
            policies.add(requireNonNull(oid, "oid"));
            return this;
        }

        /**
         * Accepts any policy (an explicit choice: by default none is accepted).
         *
         * @return this
         */
        public Builder acceptAnyPolicy() {
            anyPolicy = true;
            return this;
        }

        /**
         * Rejects tokens with genTime before this instant (e.g. before the checkpoint could exist).
         *
         * @param t the bound, or null for none
         * @return this
         */
        public Builder notBefore(Instant t) {
            notBefore = t;
            return this;
        }

        /**
         * Rejects tokens with genTime after this instant. Without it the bound is now + 5 minutes.
         *
         * @param t the bound, or null for the default
         * @return this
         */
        public Builder notAfter(Instant t) {
            notAfter = t;
            return this;
        }

        /**
         * The clock for the default upper bound.
         *
         * @param c the clock
         * @return this
         */
        public Builder clock(Clock c) {
            clock = requireNonNull(c, "clock");
            return this;
        }

        /**
         * Builds the verifier.
         *
         * @return the verifier
         * @throws IllegalArgumentException when no trust anchor or no policy was configured
         */
        public TimestampVerifier build() {
            if (anchors.isEmpty()) {
                throw new IllegalArgumentException("a timestamp verifier needs at least one trust anchor "
                        + "(the TSA's CA certificate)");
            }
            if (!anyPolicy && policies.isEmpty()) {
                throw new IllegalArgumentException("a timestamp verifier needs an accepted policy OID "
                        + "(acceptPolicy) or an explicit acceptAnyPolicy()");
            }
            if (notBefore != null && notAfter != null && notAfter.isBefore(notBefore)) {
                throw new IllegalArgumentException("notAfter " + notAfter + " is before notBefore " + notBefore);
            }
            return new TimestampVerifier(this);
        }
    }
}
