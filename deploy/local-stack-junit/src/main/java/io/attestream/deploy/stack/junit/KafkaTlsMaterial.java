package io.attestream.deploy.stack.junit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS files of a {@link SecuredKafka}, made fresh for each test run: a throw-away CA (P-256, valid one day),
 * a broker certificate it signs for {@code 127.0.0.1} and {@code localhost} (subject alternative names, so clients
 * keep Kafka's default hostname verification {@code ssl.endpoint.identification.algorithm=https}), the broker's
 * PKCS12 key store and a PKCS12 trust store holding only the CA, which is what every client gets.
 *
 * @param brokerKeyStore PKCS12 key store: the broker key, its certificate and the CA
 * @param trustStore PKCS12 trust store with the CA certificate only
 * @param password password of both stores (random, per run)
 * @param ca the CA certificate
 */
public record KafkaTlsMaterial(Path brokerKeyStore, Path trustStore, String password, X509Certificate ca) {

    /** Validates the arguments. */
    public KafkaTlsMaterial {
        requireNonNull(brokerKeyStore, "brokerKeyStore");
        requireNonNull(trustStore, "trustStore");
        requireNonNull(password, "password");
        requireNonNull(ca, "ca");
    }

    /**
     * Generates a CA and a broker certificate and writes both stores into {@code dir}.
     *
     * @param dir directory for {@code broker.p12} and {@code truststore.p12} (created when missing)
     * @return the material
     */
    public static KafkaTlsMaterial generate(Path dir) {
        requireNonNull(dir, "dir");
        SecureRandom random = new SecureRandom();
        byte[] pw = new byte[12];
        random.nextBytes(pw);
        String password = HexFormat.of().formatHex(pw);
        try {
            Files.createDirectories(dir);
            Instant now = Instant.now();
            Date from = Date.from(now.minus(Duration.ofMinutes(5)));
            Date to = Date.from(now.plus(Duration.ofDays(1)));
            KeyPair caKey = ecKey(random);
            X500Name caName = new X500Name("CN=Attestream test CA");
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, serial(random), from, to,
                    caName, caKey.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(caKey.getPublic()));
            X509Certificate ca = sign(caBuilder, caKey);

            KeyPair brokerKey = ecKey(random);
            X509v3CertificateBuilder brokerBuilder = new JcaX509v3CertificateBuilder(caName, serial(random), from,
                    to, new X500Name("CN=localhost, O=Attestream test broker"), brokerKey.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")}))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            X509Certificate broker = sign(brokerBuilder, caKey);

            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("broker", brokerKey.getPrivate(), password.toCharArray(),
                    new Certificate[] {broker, ca});
            Path keyStoreFile = dir.resolve("broker.p12");
            store(keyStore, keyStoreFile, password);

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("attestream-test-ca", ca);
            Path trustFile = dir.resolve("truststore.p12");
            store(trust, trustFile, password);
            return new KafkaTlsMaterial(keyStoreFile, trustFile, password, ca);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test TLS stores under " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate the test TLS certificates: " + e, e);
        }
    }

    private static KeyPair ecKey(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
        return g.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(64, random).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }

    private static void store(KeyStore ks, Path file, String password) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
    }
}
