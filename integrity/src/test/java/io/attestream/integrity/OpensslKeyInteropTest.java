package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSL 3 is the independent reader and signer of our key files (docs/integrity.md §4.2): it loads the
 * private key keygen writes, its Ed25519 signatures verify with our verifier key and ours with its
 * public key, and the keys it generates are read by {@link SigningKey}. Needs openssl on the PATH
 * (skipped with a reason without it; CI=true fails instead).
 */
class OpensslKeyInteropTest {
    @TempDir
    Path dir;

    private Openssl openssl;

    @BeforeEach
    void findOpenssl() {
        openssl = new Openssl(dir, "openssl is the independent PKCS#8 / Ed25519 implementation");
    }

    private String run(String... args) {
        return openssl.run(args).ok().out();
    }

    @Test
    void opensslLoadsTheKeyKeygenWritesAndItsSignaturesVerifyBothWays() throws Exception {
        VerifierKey vk = KeyPairFiles.generate(dir, "ck", new SecureRandom());
        Path key = KeyPairFiles.privateKeyFile(dir, "ck");
        run("pkey", "-in", key.toString(), "-noout");
        // The public key OpenSSL derives from our private key file is the one in our .pub and .vkey.
        String pub = run("pkey", "-in", key.toString(), "-pubout");
        assertThat(VerifierKey.fromSpkiPem("ck", pub)).isEqualTo(vk);

        byte[] message = "attestream/acme/agent-1\n7\nK1PSE3m6d+kgA0w3NOfL6oNbuc/hnbJSaHv6DVBROc8=\n"
                .getBytes(StandardCharsets.UTF_8);
        Path msg = Files.write(dir.resolve("msg"), message);
        run("pkeyutl", "-sign", "-rawin", "-inkey", key.toString(), "-in", msg.toString(), "-out", "sig");
        byte[] opensslSig = Files.readAllBytes(dir.resolve("sig"));
        assertThat(vk.verify(message, opensslSig)).as("openssl's signature, our verifier").isTrue();
        byte[] other = message.clone();
        other[0] ^= 1;
        assertThat(vk.verify(other, opensslSig)).isFalse();

        SigningKey ours = SigningKey.readPkcs8Pem("ck", key);
        // Ed25519 is deterministic: the same key signs the same message to the same bytes.
        assertThat(HexFormat.of().formatHex(ours.sign(message))).isEqualTo(HexFormat.of().formatHex(opensslSig));
        Files.write(dir.resolve("oursig"), ours.sign(message));
        String verified = run("pkeyutl", "-verify", "-pubin", "-inkey", KeyPairFiles.publicKeyFile(dir, "ck").toString(),
                "-rawin", "-in", msg.toString(), "-sigfile", "oursig");
        assertThat(verified).contains("Signature Verified Successfully");
    }

    @Test
    void signingKeyReadsAKeyOpensslGenerated() throws Exception {
        run("genpkey", "-algorithm", "ed25519", "-out", "gen.key");
        Path key = dir.resolve("gen.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        String pub = run("pkey", "-in", key.toString(), "-pubout");
        SigningKey k = SigningKey.readPkcs8Pem("gen", key);
        assertThat(k.verifierKey()).isEqualTo(VerifierKey.fromSpkiPem("gen", pub));
        // And our encoding of that key is byte for byte OpenSSL's.
        assertThat(k.toPkcs8Pem()).isEqualTo(Files.readString(key));
    }

    @Test
    void opensslCannotLoadTheLegacyFilesButWeStillDo() throws Exception {
        // keys/legacy-bc-v2.key: what keygen wrote before (BouncyCastle's PKCS#8 v2 with the public key
        // attribute). Existing local stacks keep such files; the chainer must keep loading them.
        Path legacy = Files.writeString(dir.resolve("legacy.key"), TestJson.text("/keys/legacy-bc-v2.key"));
        Files.setPosixFilePermissions(legacy, PosixFilePermissions.fromString("rw-------"));
        SigningKey k = SigningKey.readPkcs8Pem("legacy", legacy);
        byte[] seed = new byte[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (byte) (0x40 + i);
        }
        assertThat(k.verifierKey()).isEqualTo(SigningKey.fromSeed("legacy", seed).verifierKey());
        // Re-written in the standard form, OpenSSL loads it.
        Path rewritten = dir.resolve("rewritten.key");
        k.writePrivatePem(rewritten);
        run("pkey", "-in", rewritten.toString(), "-noout");
    }
}
