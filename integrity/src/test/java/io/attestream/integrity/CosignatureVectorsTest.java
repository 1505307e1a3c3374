package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java cosignature/v1 and add-checkpoint code against vectors/cosignature/cosignature-vectors.json,
 * produced by the independent Python implementation {@code vectors/cosignature/cosignature.py}
 * (hashlib + cryptography's Ed25519). Ed25519 is deterministic: every line must match byte for byte.
 */
class CosignatureVectorsTest {
    private static final Map<String, Object> VECTORS =
            TestJson.map(TestJson.resource("/vectors/cosignature/cosignature-vectors.json"));

    private static Map<String, Object> witness(int i) {
        return TestJson.map(TestJson.list(VECTORS.get("witnessKeys")).get(i));
    }

    private static SigningKey witnessKey(int i) {
        return SigningKey.fromSeed((String) witness(i).get("name"),
                HexFormat.of().parseHex((String) witness(i).get("seedHex")));
    }

    @Test
    void derivesCosignerKeyIdWithType4AndVkeyLikeTheIndependentImplementation() {
        for (int i = 0; i < 2; i++) {
            CosignerKey k = CosignerKey.of(witnessKey(i));
            assertThat(HexFormat.of().formatHex(k.publicKey())).isEqualTo(witness(i).get("publicKeyHex"));
            assertThat(VerifierKey.hexId(k.keyId())).isEqualTo(witness(i).get("keyIdHex"));
            // The same Ed25519 key as a checkpoint signer (type 0x01) has another id: no confusion possible.
            assertThat(VerifierKey.hexId(witnessKey(i).verifierKey().keyId()))
                    .isEqualTo(witness(i).get("noteSignerKeyIdHex")).isNotEqualTo(witness(i).get("keyIdHex"));
            assertThat(k.toVkey()).isEqualTo(witness(i).get("vkey"));
            assertThat(CosignerKey.parse((String) witness(i).get("vkey"))).isEqualTo(k);
        }
    }

    @Test
    void rejectsCheckpointSignerVkeyAsCosignerKeyAndViceVersa() {
        String logVkey = (String) VECTORS.get("logKeyVkey");
        assertThatThrownBy(() -> CosignerKey.parse(logVkey)).isInstanceOf(KeyException.class)
                .hasMessageContaining("checkpoint signer key (type 0x01)");
        assertThatThrownBy(() -> VerifierKey.parse((String) witness(0).get("vkey"))).isInstanceOf(KeyException.class);
        String vkey = (String) witness(0).get("vkey");
        String wrongId = vkey.replace("+48796616+", "+48796617+");
        assertThatThrownBy(() -> CosignerKey.parse(wrongId)).isInstanceOf(KeyException.class)
                .hasMessageContaining("claims id 48796617");
    }

    @Test
    void cosignsTheFormat2VectorNoteByteForByte() {
        CosignatureVerifier verifier = CosignatureVerifier.of(List.of(CosignerKey.of(witnessKey(0)),
                CosignerKey.of(witnessKey(1))));
        CheckpointVerifier logVerifier = CheckpointVerifier.of(VerifierKey.parse((String) VECTORS.get("logKeyVkey")));
        for (Object o : TestJson.list(VECTORS.get("cosignatures"))) {
            Map<String, Object> v = TestJson.map(o);
            long ts = (Long) v.get("timestamp");
            SignedCheckpoint note = SignedCheckpoint.parse((String) v.get("note"));
            assertThat(new String(Cosignature.signedMessage(ts, note.checkpoint()), StandardCharsets.UTF_8))
                    .isEqualTo(v.get("signedMessage"));
            Cosignature c1 = Cosignature.sign(witnessKey(0), ts, note.checkpoint());
            Cosignature c2 = Cosignature.sign(witnessKey(1), ts, note.checkpoint());
            assertThat(c1.toLine().line()).isEqualTo(v.get("lineWitness1"));
            SignedCheckpoint cosigned = note.withSignatures(List.of(c1.toLine(), c2.toLine()));
            assertThat(cosigned.text()).isEqualTo(v.get("cosignedNote"));

            SignedCheckpoint parsed = SignedCheckpoint.parse((String) v.get("cosignedNote"));
            assertThat(verifier.verify(parsed)).containsExactly(c1, c2);
            assertThat(verifier.verify(parsed).get(0).timestamp()).isEqualTo(ts);
            // The log's own signature still verifies; the cosignature lines are unknown keys to it.
            assertThat(logVerifier.verify((String) v.get("cosignedNote")).checkpoint()).isEqualTo(note.checkpoint());
        }
    }

    @Test
    void rejectsCosignatureOverAnotherTimeOrBodyAndIgnoresUnknownWitnesses() {
        Map<String, Object> v = TestJson.map(TestJson.list(VECTORS.get("cosignatures")).get(1));
        String cosigned = (String) v.get("cosignedNote");
        CosignerKey w1 = CosignerKey.of(witnessKey(0));
        CosignatureVerifier verifier = CosignatureVerifier.of(List.of(w1));
        SignedCheckpoint good = SignedCheckpoint.parse(cosigned);
        Cosignature c = verifier.verify(good).get(0);

        // Same signature, timestamp + 1: the time is signed.
        NoteSignature later = new NoteSignature(c.keyName(), c.keyId(),
                java.nio.ByteBuffer.allocate(72).putLong(c.timestamp() + 1).put(c.signature()).array());
        SignedCheckpoint retimed = SignedCheckpoint.parse((String) v.get("note")).withSignatures(List.of(later));
        assertThatThrownBy(() -> verifier.verify(retimed)).isInstanceOf(SignatureInvalidException.class)
                .hasMessageContaining("attestream-test-witness").hasMessageContaining("does not verify");

        // Same line on another body (the created time changed): rejected.
        String otherBody = cosigned.replace("created 2026-11-26T00:00:00.250000Z", "created 2026-11-26T00:00:00.250001Z");
        assertThatThrownBy(() -> verifier.verify(SignedCheckpoint.parse(otherBody)))
                .isInstanceOf(SignatureInvalidException.class);

        // A line with w1's name and id but the length of a plain signature is malformed, and rejected.
        NoteSignature shortLine = new NoteSignature(c.keyName(), c.keyId(), c.signature());
        SignedCheckpoint bad = SignedCheckpoint.parse((String) v.get("note")).withSignatures(List.of(shortLine));
        assertThatThrownBy(() -> verifier.verify(bad)).isInstanceOf(SignatureInvalidException.class)
                .hasMessageContaining("malformed");

        // A verifier trusting only w2 sees w2's line and ignores w1's.
        CosignatureVerifier onlyW2 = CosignatureVerifier.of(List.of(CosignerKey.of(witnessKey(1))));
        assertThat(onlyW2.verify(good)).extracting(Cosignature::keyName).containsExactly("witness.example.com/w2");
        // The bare log note has no cosignature at all.
        assertThat(verifier.verify(SignedCheckpoint.parse((String) v.get("note")))).isEmpty();
    }

    @Test
    void rejectsTimestampAbove2To63Minus1() {
        Cosignature c = Cosignature.sign(witnessKey(0), 5, SignedCheckpoint.parse(
                (String) TestJson.map(TestJson.list(VECTORS.get("cosignatures")).get(0)).get("note")).checkpoint());
        byte[] raw = java.nio.ByteBuffer.allocate(72).putLong(-1L).put(c.signature()).array();
        assertThatThrownBy(() -> Cosignature.fromLine(new NoteSignature(c.keyName(), c.keyId(), raw)))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("2^63 - 1");
        Checkpoint empty = Checkpoint.parse("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
        assertThatThrownBy(() -> Cosignature.signedMessage(-1, empty)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodesAndParsesAddCheckpointRequestsLikeTheIndependentImplementation() {
        VerifierKey logKey = VerifierKey.parse((String) VECTORS.get("logKeyVkey"));
        for (Object o : TestJson.list(VECTORS.get("requests"))) {
            Map<String, Object> v = TestJson.map(o);
            List<Hash> proof = TestJson.list(v.get("proofBase64")).stream().map(h -> Hash.fromBase64((String) h))
                    .toList();
            AddCheckpointRequest r = new AddCheckpointRequest((Long) v.get("oldSize"), proof, (String) v.get("note"));
            byte[] body = ((String) v.get("body")).getBytes(StandardCharsets.UTF_8);
            assertThat(r.toBytes()).isEqualTo(body);
            assertThat(AddCheckpointRequest.parse(body)).isEqualTo(r);

            // The proof in the request proves the old root (of the same leaves) consistent with the new one.
            SignedCheckpoint note = CheckpointVerifier.of(logKey).verify(r.note());
            new ConsistencyProof(r.oldSize(), note.checkpoint().treeSize(), proof).verify(r.oldSize(),
                    Hash.fromBase64((String) v.get("oldRootBase64")), note.checkpoint().treeSize(),
                    note.checkpoint().rootHash());
            // The 200 response body: the witness's cosignature line(s).
            Cosignature c = Cosignature.sign(witnessKey(0), (Long) v.get("timestamp"), note.checkpoint());
            assertThat(c.toLine().line() + "\n").isEqualTo(v.get("responseBody"));
        }
    }

    @Test
    void rejectsMalformedAddCheckpointRequests() {
        String note = (String) TestJson.map(TestJson.list(VECTORS.get("requests")).get(1)).get("note");
        String h = Hash.empty().base64();
        for (String bad : List.of(
                "", "old 6\n", "old 06\n\n" + note, "old -1\n\n" + note, "old 6\r\n\n" + note, "new 6\n\n" + note,
                "old 6\n" + h + " \n\n" + note, "old 6\n" + h.replace("=", "") + "\n\n" + note,
                "old 6\n" + (h + "\n").repeat(64) + "\n" + note, "old 18446744073709551616\n\n" + note)) {
            assertThatThrownBy(() -> AddCheckpointRequest.parse(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(MalformedDataException.class);
        }
        assertThatThrownBy(() -> AddCheckpointRequest.parse(new byte[] {'o', 'l', 'd', ' ', '0', '\n', '\n', (byte) 0xff}))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("UTF-8");
        // 63 proof lines is the maximum the protocol allows, and parses.
        assertThat(AddCheckpointRequest.parse(("old 6\n" + (h + "\n").repeat(63) + "\n" + note)
                .getBytes(StandardCharsets.UTF_8)).proof()).hasSize(63);
    }
}
