package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;

class CheckpointTest {
    private static final SigningKey K1 = SigningKey.fromSeed("k1", new byte[32]);
    private static final SigningKey K2 = SigningKey.fromSeed("k2", filled(2));
    private static final SigningKey K3 = SigningKey.fromSeed("k3", filled(3));

    private static byte[] filled(int b) {
        byte[] s = new byte[32];
        java.util.Arrays.fill(s, (byte) b);
        return s;
    }

    private static Checkpoint checkpoint(String tenant, String agent, long size, long seed) {
        Random r = new Random(seed);
        byte[] root = new byte[32];
        byte[] head = new byte[32];
        r.nextBytes(root);
        r.nextBytes(head);
        Checkpoint.Cadence cadence = new Checkpoint.Cadence(1 + (r.nextLong() >>> 1), 1 + (r.nextLong() >>> 2));
        Instant created = Instant.EPOCH.plus(Math.floorMod(r.nextLong(), LATEST_MICROS + 1), ChronoUnit.MICROS);
        return Checkpoint.forLog(new ChainHead(LogId.of(tenant, agent), size, Hash.of(head)), Hash.of(root), cadence,
                created);
    }

    /** 9999-12-31T23:59:59.999999Z in microseconds since the epoch. */
    private static final long LATEST_MICROS = 253_402_300_799_999_999L;

    @Property(tries = 300)
    void format2LinesSurviveSerialisationAndParsing(@ForAll("checkpoints") Checkpoint c) {
        Checkpoint parsed = Checkpoint.parse(c.body());
        assertThat(parsed).isEqualTo(c);
        assertThat(parsed.body()).isEqualTo(c.body());
        assertThat(parsed.formatVersion()).isEqualTo(Checkpoint.FORMAT_2);
        assertThat(parsed.cadence()).isEqualTo(c.cadence()).isPresent();
        assertThat(parsed.created()).isEqualTo(c.created()).isPresent();
        assertThat(parsed.chainHead()).isEqualTo(c.chainHead());
        assertThat(c.extensions()).hasSize(3);
        assertThat(c.extensions().get(2)).matches("created [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                + "\\.[0-9]{6}Z");
    }

    @Test
    void writesCadenceAndCreatedLinesInTheirFixedOrder() {
        ChainHead head = new ChainHead(LogId.of("acme", "agent-1"), 7, Hash.sha256(new byte[] {7}));
        Checkpoint c = Checkpoint.forLog(head, Hash.sha256(new byte[] {8}), new Checkpoint.Cadence(1000, 60_000),
                Instant.parse("2026-11-26T00:00:00.25Z"));
        assertThat(c.extensions()).containsExactly("chain-head 6 " + head.hash().base64(), "cadence 1000 60000",
                "created 2026-11-26T00:00:00.250000Z");
        assertThat(c.formatVersion()).isEqualTo(2);
        Checkpoint format1 = new Checkpoint(c.origin(), 7, c.rootHash(), c.extensions().subList(0, 1));
        assertThat(format1.formatVersion()).isEqualTo(1);
        assertThat(format1.chainHead()).isEqualTo(head);
        assertThat(format1.cadence()).isEmpty();
        assertThat(format1.created()).isEmpty();
    }

    @Test
    void rejectsCreationTimesTheLineCannotHold() {
        ChainHead head = new ChainHead(LogId.of("acme", "agent-1"), 7, Hash.sha256(new byte[] {7}));
        Checkpoint.Cadence cadence = new Checkpoint.Cadence(1, 1);
        for (Instant bad : List.of(Instant.parse("2026-11-26T00:00:00.000000001Z"), Instant.EPOCH.minusNanos(1000),
                Instant.parse("+10000-01-01T00:00:00Z"))) {
            assertThatThrownBy(() -> Checkpoint.forLog(head, Hash.empty(), cadence, bad)).as(bad.toString())
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new Checkpoint.Cadence(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Checkpoint.Cadence(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Checkpoint.forLog(ChainHead.genesis(head.log()), Hash.empty(), cadence,
                Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty log");
    }

    @Provide
    Arbitrary<Checkpoint> checkpoints() {
        Arbitrary<String> ids = Arbitraries.strings().ofMinLength(1).ofMaxLength(20)
                .withCharRange(' ', '~').withChars('\u00e9', '\u2014', '/', '%', '\t');
        return Combinators.combine(ids, ids, Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.longs()).as(CheckpointTest::checkpoint);
    }

    @Property(tries = 200)
    void everySignedCheckpointVerifiesWithTheJdkEd25519(@ForAll("checkpoints") Checkpoint c) throws Exception {
        SignedCheckpoint sc = SignedCheckpoint.sign(c, K1);
        byte[] spki = new PemReader(new java.io.StringReader(K1.verifierKey().toSpkiPem())).readPemObject()
                .getContent();
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(pub);
        jdk.update(c.body().getBytes(StandardCharsets.UTF_8));
        assertThat(jdk.verify(sc.signatures().get(0).signature())).isTrue();
        assertThat(CheckpointVerifier.of(K1.verifierKey()).verify(sc.text()).checkpoint()).isEqualTo(c);
        assertThat(SignedCheckpoint.parse(sc.text())).isEqualTo(sc);
    }

    @Test
    void jdkEd25519SignatureVerifiesHere() throws Exception {
        // The other direction: a signature made by the JDK over our body verifies with our verifier.
        var kpg = java.security.KeyPairGenerator.getInstance("Ed25519");
        var kp = kpg.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(kp.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        VerifierKey vk = VerifierKey.fromSpkiPem("jdk", pem);
        Checkpoint c = checkpoint("t", "a", 5, 1);
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(kp.getPrivate());
        s.update(c.bodyBytes());
        byte[] raw = new byte[68];
        byte[] sig = s.sign();
        int id = vk.keyId();
        raw[0] = (byte) (id >>> 24);
        raw[1] = (byte) (id >>> 16);
        raw[2] = (byte) (id >>> 8);
        raw[3] = (byte) id;
        System.arraycopy(sig, 0, raw, 4, 64);
        String note = c.body() + "\n\u2014 jdk " + Base64.getEncoder().encodeToString(raw) + "\n";
        assertThat(CheckpointVerifier.of(vk).verify(note).checkpoint()).isEqualTo(c);
    }

    @Property(tries = 300)
    void flippingAnyBitOfASignedNoteFailsVerification(@ForAll("checkpoints") Checkpoint c,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int where) {
        // One signer: with several, a flip in an untrusted co-signer's line is ignored by design.
        byte[] note = SignedCheckpoint.sign(c, K1).text().getBytes(StandardCharsets.UTF_8);
        int bit = where % (note.length * 8);
        note[bit / 8] ^= (byte) (1 << (bit % 8));
        String tampered = new String(note, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey(), K2.verifierKey()).verify(tampered))
                .isInstanceOf(IntegrityException.class);
    }

    @Property(tries = 300)
    void flippingAnyBitOfTheTrustedSignersLineFailsEvenWithAnotherValidCosigner(@ForAll("checkpoints") Checkpoint c,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int where) {
        String note = SignedCheckpoint.sign(c, List.of(K2, K1)).text();
        int start = note.lastIndexOf("\u2014 k1 ");
        byte[] b = note.getBytes(StandardCharsets.UTF_8);
        int lineStart = note.substring(0, start).getBytes(StandardCharsets.UTF_8).length;
        int bit = lineStart * 8 + where % ((b.length - 1 - lineStart) * 8);
        b[bit / 8] ^= (byte) (1 << (bit % 8));
        String tampered = new String(b, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey()).verify(tampered))
                .isInstanceOf(IntegrityException.class);
    }

    @Property(tries = 100)
    void flippingAnySignatureBitIsReportedAsInvalidSignature(
            @ForAll @LongRange(min = 1, max = 1000) long size, @ForAll @IntRange(min = 0, max = 511) int bit) {
        Checkpoint c = checkpoint("t", "a", size, size);
        NoteSignature good = SignedCheckpoint.sign(c, K1).signatures().get(0);
        byte[] sig = good.signature();
        sig[bit / 8] ^= (byte) (1 << (bit % 8));
        String note = c.body() + "\n" + new NoteSignature("k1", good.keyId(), sig).line() + "\n";
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey()).verify(note))
                .isInstanceOf(SignatureInvalidException.class).hasMessageContaining("k1");
    }

    @Test
    void acceptsANoteSignedByAnyTrustedKeyDuringRotation() {
        Checkpoint c = checkpoint("t", "a", 3, 2);
        CheckpointVerifier both = CheckpointVerifier.of(K1.verifierKey(), K2.verifierKey());
        assertThat(both.verify(SignedCheckpoint.sign(c, K2).text()).checkpoint()).isEqualTo(c);
        assertThat(both.verify(SignedCheckpoint.sign(c, K1).text()).checkpoint()).isEqualTo(c);
        // Unknown co-signers are ignored, as in the signed-note spec.
        assertThat(CheckpointVerifier.of(K1.verifierKey()).verify(SignedCheckpoint.sign(c, List.of(K3, K1)).text())
                .checkpoint()).isEqualTo(c);
    }

    @Test
    void rejectsNoteSignedOnlyByUnknownKeys() {
        String note = SignedCheckpoint.sign(checkpoint("t", "a", 3, 2), K3).text();
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey(), K2.verifierKey()).verify(note))
                .isInstanceOf(UnknownKeyException.class).hasMessageContaining("k3");
    }

    @Test
    void rejectsKeyWithSameNameButOtherKeyMaterial() {
        SigningKey impostor = SigningKey.fromSeed("k1", filled(9));
        String note = SignedCheckpoint.sign(checkpoint("t", "a", 3, 2), impostor).text();
        // Same name, different key id: treated as an unknown signer, never as k1.
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey()).verify(note))
                .isInstanceOf(UnknownKeyException.class);
    }

    @Test
    void rejectsBadSignatureFromTrustedKeyEvenWhenAnotherTrustedKeyVerifies() {
        Checkpoint c = checkpoint("t", "a", 3, 2);
        Checkpoint other = checkpoint("t", "a", 4, 2);
        String good = SignedCheckpoint.sign(c, K1).signatures().get(0).line();
        String wrong = SignedCheckpoint.sign(other, K2).signatures().get(0).line();
        String note = c.body() + "\n" + good + "\n" + wrong + "\n";
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey(), K2.verifierKey()).verify(note))
                .isInstanceOf(SignatureInvalidException.class).hasMessageContaining("k2");
    }

    @Test
    void rejectsCheckpointOfAnotherLog() {
        String note = SignedCheckpoint.sign(checkpoint("t", "a", 3, 2), K1).text();
        assertThatThrownBy(() -> CheckpointVerifier.of(K1.verifierKey()).verify(note, LogId.of("t", "b").origin()))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("attestream/t/b");
    }

    @Test
    void rejectsNonCanonicalNotes() {
        Checkpoint c = checkpoint("t", "a", 3, 2);
        String note = SignedCheckpoint.sign(c, K1).text();
        CheckpointVerifier v = CheckpointVerifier.of(K1.verifierKey());
        List<String> bad = List.of(
                note.replace("\n3\n", "\n03\n"),
                note.replace("\n", "\r\n"),
                note.substring(0, note.length() - 1),
                note.replace("\n\n", "\n\n\n"),
                c.body() + "\n",
                c.body() + note.substring(c.body().length()) + note.substring(c.body().length() + 1),
                note.replace("\u2014 ", "- "));
        for (String b : bad) {
            assertThatThrownBy(() -> v.verify(b)).as(b).isInstanceOf(MalformedDataException.class);
        }
    }

    @Test
    void rejectsChainHeadThatDisagreesWithTreeSize() {
        Hash h = Hash.sha256(new byte[1]);
        Checkpoint c = new Checkpoint("attestream/t/a", 5, h, List.of("chain-head 3 " + h.base64()));
        assertThatThrownBy(c::chainHead).isInstanceOf(MalformedDataException.class).hasMessageContaining("tree size 5");
        Checkpoint twice = new Checkpoint("attestream/t/a", 5, h,
                List.of("chain-head 4 " + h.base64(), "chain-head 4 " + h.base64()));
        assertThatThrownBy(twice::chainHead).isInstanceOf(MalformedDataException.class);
        Checkpoint none = new Checkpoint("attestream/t/a", 5, h, List.of());
        assertThatThrownBy(none::chainHead).isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("does not have a chain-head line");
    }

    @Test
    void rejectsLinesThatWouldBreakTheTextFormat() {
        Hash h = Hash.empty();
        assertThatThrownBy(() -> new Checkpoint("a b", 1, h, List.of())).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> new Checkpoint("a\nb", 1, h, List.of())).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> new Checkpoint("a", -1, h, List.of())).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> new Checkpoint("a", 1, h, List.of(""))).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> new Checkpoint("a", 1, h, List.of("x\ny"))).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> SigningKey.fromSeed("a+b", new byte[32])).isInstanceOf(KeyException.class);
        assertThatThrownBy(() -> SigningKey.fromSeed("a b", new byte[32])).isInstanceOf(KeyException.class);
    }

    @Test
    void rejectsVkeyWhoseIdDoesNotMatch() {
        String vkey = K1.verifierKey().toVkey();
        String wrongId = vkey.replace("+" + VerifierKey.hexId(K1.verifierKey().keyId()) + "+", "+00000000+");
        assertThatThrownBy(() -> VerifierKey.parse(wrongId)).isInstanceOf(KeyException.class)
                .hasMessageContaining("claims id 00000000");
        assertThat(HexFormat.of().formatHex(K1.verifierKey().publicKey())).hasSize(64);
    }
}
