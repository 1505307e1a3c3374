package io.attestream.dev.tsa;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.attestream.integrity.Hash;
import io.attestream.integrity.HttpTimestampAuthority;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.KeyException;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.internal.KeyFiles;
import io.attestream.integrity.internal.Rfc3161;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * An RFC 3161 timestamp authority in-process: its own self-signed CA (ECDSA P-256) and a TSA
 * certificate issued by it with the critical {@code id-kp-timeStamping} extended key usage. Tokens are
 * SHA256withECDSA CMS signatures carrying both certificates, an ESSCertIDv2 binding and millisecond
 * genTime from the given clock.
 *
 * <p>For development only: the local stack, the demo and tests. Its tokens prove nothing to an auditor:
 * the operator who runs the pipeline holds the TSA key and mints its own self-signed CA, so it could
 * issue a token with any genTime. Production evidence needs an independent TSA
 * ({@link HttpTimestampAuthority}, {@code chainer.tsa.mode=url}).
 * Use it in-process ({@link #timestamp}) or over HTTP ({@link #serve}); verifiers trust
 * {@link #caCertificate()} ({@link #verifier()}). {@link #save}/{@link #load} keep the same identity across restarts; the
 * CA private key is discarded after issuing the TSA certificate and never written.
 */
public final class EmbeddedTimestampAuthority implements TimestampAuthority {
    /**
     * Default policy OID: a UUID OID (ITU-T X.667, arc 2.25) minted for attestream's embedded TSA, so it
     * needs no registry and cannot collide with a real TSA's policy.
     */
    public static final String DEFAULT_POLICY = "2.25.318702426632665129297668314631494531019";

    private static final String CA_FILE = "tsa-ca.crt";
    private static final String TSA_CERT_FILE = "tsa.crt";
    private static final String TSA_KEY_FILE = "tsa.key";

    private final X509Certificate caCert;
    private final X509Certificate tsaCert;
    private final PrivateKey tsaKey;
    private final String policy;
    private final Clock clock;
    private final TimeStampTokenGenerator generator;

    private EmbeddedTimestampAuthority(X509Certificate caCert, X509Certificate tsaCert, PrivateKey tsaKey,
            String policy, Clock clock) {
        this.caCert = caCert;
        this.tsaCert = tsaCert;
        this.tsaKey = tsaKey;
        this.policy = policy;
        this.clock = clock;
        try {
            this.generator = new TimeStampTokenGenerator(
                    new JcaSimpleSignerInfoGeneratorBuilder().setProvider(Rfc3161.BC)
                            .build("SHA256withECDSA", tsaKey, tsaCert),
                    Rfc3161.sha256Calculator(), new ASN1ObjectIdentifier(policy));
            generator.setResolution(TimeStampTokenGenerator.R_MILLISECONDS);
            generator.addCertificates(new JcaCertStore(List.of(tsaCert, caCert)));
        } catch (OperatorCreationException | TSPException | GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyException("cannot set up the embedded TSA signer for " + tsaCert.getSubjectX500Principal()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * A new TSA with a fresh CA. Certificates are valid from one day before {@code clock.instant()} for
     * ten years (CA) and five years (TSA).
     *
     * @param name a name for the subjects, e.g. "attestream-local"
     * @param clock the clock for validity and genTime
     * @return the TSA
     */
    public static EmbeddedTimestampAuthority generate(String name, Clock clock) {
        requireNonNull(name, "name");
        requireNonNull(clock, "clock");
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
            kpg.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair ca = kpg.generateKeyPair();
            KeyPair tsa = kpg.generateKeyPair();
            Instant now = clock.instant();
            Date from = Date.from(now.minus(Duration.ofDays(1)));
            X500Name caName = new X500Name("CN=" + rdn(name) + " timestamp CA,O=attestream");
            X500Name tsaName = new X500Name("CN=" + rdn(name) + " TSA,O=attestream");
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();

            X509v3CertificateBuilder cab = new JcaX509v3CertificateBuilder(caName, Rfc3161.randomSerial(), from,
                    Date.from(now.plus(Duration.ofDays(3650))), caName, ca.getPublic());
            cab.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            cab.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            cab.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(ca.getPublic()));
            X509Certificate caCert = sign(cab, ca.getPrivate());

            X509v3CertificateBuilder tb = new JcaX509v3CertificateBuilder(caCert, Rfc3161.randomSerial(), from,
                    Date.from(now.plus(Duration.ofDays(1826))), tsaName, tsa.getPublic());
            tb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            tb.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
            // RFC 3161 §2.3: the TSA certificate MUST have exactly this EKU, marked critical.
            tb.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
            tb.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            tb.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(tsa.getPublic()));
            X509Certificate tsaCert = sign(tb, ca.getPrivate());
            return new EmbeddedTimestampAuthority(caCert, tsaCert, tsa.getPrivate(), DEFAULT_POLICY, clock);
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new KeyException("cannot generate the embedded TSA '" + name + "': " + e.getMessage(), e);
        }
    }

    private static String rdn(String s) {
        // Keep subject names trivially parseable: no RDN special characters.
        return s.replaceAll("[^A-Za-z0-9 ._-]", "_");
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().setProvider(Rfc3161.BC)
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Rfc3161.BC)
                        .build(issuerKey)));
    }

    /**
     * Loads a TSA saved by {@link #save}.
     *
     * @param dir the directory holding tsa-ca.crt, tsa.crt and tsa.key (0600)
     * @param clock the clock for genTime
     * @return the TSA, with {@link #DEFAULT_POLICY}
     * @throws KeyException when a file is missing, too open or malformed
     */
    public static EmbeddedTimestampAuthority load(Path dir, Clock clock) {
        requireNonNull(dir, "dir");
        requireNonNull(clock, "clock");
        try {
            X509Certificate ca = readCert(dir.resolve(CA_FILE));
            X509Certificate tsa = readCert(dir.resolve(TSA_CERT_FILE));
            Path keyFile = dir.resolve(TSA_KEY_FILE);
            byte[] pkcs8 = KeyFiles.fromPem(KeyFiles.readPrivate(keyFile), "PRIVATE KEY", keyFile.toString());
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            tsa.verify(ca.getPublicKey());
            return new EmbeddedTimestampAuthority(ca, tsa, key, DEFAULT_POLICY, clock);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyException("cannot load the embedded TSA from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate readCert(Path f) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(f)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /**
     * Writes tsa-ca.crt, tsa.crt (PEM) and tsa.key (PKCS#8 PEM, 0600) into {@code dir}; never overwrites.
     *
     * @param dir an existing directory
     * @throws KeyException when a file exists or cannot be written
     */
    public void save(Path dir) {
        requireNonNull(dir, "dir");
        try {
            for (String f : List.of(CA_FILE, TSA_CERT_FILE, TSA_KEY_FILE)) {
                if (Files.exists(dir.resolve(f))) {
                    throw new KeyException("refusing to overwrite " + dir.resolve(f));
                }
            }
            KeyFiles.createNew(dir.resolve(TSA_KEY_FILE),
                    KeyFiles.toPem("PRIVATE KEY", tsaKey.getEncoded()).getBytes(StandardCharsets.US_ASCII),
                    KeyFiles.PRIVATE);
            KeyFiles.createNew(dir.resolve(CA_FILE), pem(caCert), KeyFiles.PUBLIC);
            KeyFiles.createNew(dir.resolve(TSA_CERT_FILE), pem(tsaCert), KeyFiles.PUBLIC);
        } catch (IOException e) {
            throw new KeyException("cannot save the embedded TSA to " + dir + ": " + e, e);
        }
    }

    private static byte[] pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The CA certificate: the trust anchor verifiers of this TSA's tokens use.
     *
     * @return the self-signed CA certificate
     */
    public X509Certificate caCertificate() {
        return caCert;
    }

    /**
     * The TSA signing certificate (also embedded in every token).
     *
     * @return the certificate
     */
    public X509Certificate tsaCertificate() {
        return tsaCert;
    }

    /**
     * The policy OID stamped into every token.
     *
     * @return the dotted OID
     */
    public String policy() {
        return policy;
    }

    /**
     * A verifier that trusts this TSA's CA and requires its policy (clock: system UTC).
     *
     * @return the verifier
     */
    public TimestampVerifier verifier() {
        return TimestampVerifier.builder().trustAnchor(caCert).acceptPolicy(policy).build();
    }

    @Override
    public byte[] timestamp(Hash imprint) {
        requireNonNull(imprint, "imprint");
        TimeStampResponse r = respond(Rfc3161.request(imprint.toBytes(), null));
        if (r.getTimeStampToken() == null) {
            throw new IntegrityException("embedded TSA rejected its own request: " + r.getStatusString());
        }
        try {
            return r.getTimeStampToken().getEncoded();
        } catch (IOException e) {
            throw new IntegrityException("embedded TSA could not encode its token", e);
        }
    }

    /**
     * Answers a DER TimeStampReq with a DER TimeStampResp, as the HTTP endpoint does. Requests for
     * another policy, or with an imprint algorithm other than SHA-256, get a rejection response.
     *
     * @param requestDer the request
     * @return the response
     */
    public byte[] respond(byte[] requestDer) {
        requireNonNull(requestDer, "requestDer");
        try {
            TimeStampRequest req;
            try {
                req = new TimeStampRequest(new ByteArrayInputStream(requestDer));
            } catch (IOException | IllegalArgumentException | ClassCastException e) {
                return new TimeStampResponseGenerator(generator, TSPAlgorithms.ALLOWED)
                        .generateRejectedResponse(new TSPException("malformed TimeStampReq: " + e.getMessage()))
                        .getEncoded();
            }
            return respond(req).getEncoded();
        } catch (IOException | TSPException e) {
            throw new IntegrityException("embedded TSA could not encode its response", e);
        }
    }

    private TimeStampResponse respond(TimeStampRequest req) {
        try {
            TimeStampResponseGenerator g = new TimeStampResponseGenerator(generator, Set.of(Rfc3161.SHA256),
                    Set.of(new ASN1ObjectIdentifier(policy)));
            BigInteger serial = Rfc3161.randomSerial();
            Date genTime = Date.from(clock.instant());
            // TimeStampTokenGenerator is not documented thread-safe: one token at a time.
            synchronized (generator) {
                // generate() turns invalid requests (other algorithm or policy) into rejection responses.
                return g.generate(req, serial, genTime);
            }
        } catch (TSPException e) {
            throw new IntegrityException("embedded TSA failed to issue a token: " + e.getMessage(), e);
        }
    }

    /**
     * Serves RFC 3161 over HTTP (POST application/timestamp-query at any path, answer
     * application/timestamp-reply), for the local stack. Close the returned server to stop it.
     *
     * @param address where to listen, e.g. {@code new InetSocketAddress("127.0.0.1", 0)}
     * @return the running server
     * @throws IntegrityException when the address cannot be bound
     */
    public Server serve(InetSocketAddress address) {
        requireNonNull(address, "address");
        try {
            HttpServer http = HttpServer.create(address, 0);
            ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "embedded-tsa-http");
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(pool);
            http.createContext("/", this::handle);
            http.start();
            return new Server(http, pool);
        } catch (IOException e) {
            throw new IntegrityException("embedded TSA cannot listen on " + address + ": " + e, e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", "POST");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(64 * 1024);
            }
            byte[] resp = respond(body);
            ex.getResponseHeaders().add("Content-Type", Rfc3161.REPLY_TYPE);
            ex.sendResponseHeaders(200, resp.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(resp);
            }
        }
    }

    /** A running HTTP endpoint of an embedded TSA. */
    public static final class Server implements AutoCloseable {
        private final HttpServer http;
        private final ExecutorService pool;

        private Server(HttpServer http, ExecutorService pool) {
            this.http = http;
            this.pool = pool;
        }

        /**
         * The URL to give {@link HttpTimestampAuthority}.
         *
         * @return http://host:port/
         */
        public URI uri() {
            InetSocketAddress a = http.getAddress();
            return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/");
        }

        /** Stops listening, waiting at most one second for requests in flight. */
        @Override
        public void close() {
            http.stop(1);
            pool.shutdownNow();
        }
    }
}
