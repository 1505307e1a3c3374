package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Checks the Java checkpoint code against vectors/checkpoint/checkpoint-vectors.json, produced by an
 * independent Python implementation (gen_checkpoint_vectors.py: hashlib + cryptography's Ed25519).
 */
class CheckpointVectorsTest {
    private static final Map<String, Object> VECTORS =
            TestJson.map(TestJson.resource("/vectors/checkpoint/checkpoint-vectors.json"));

    private static SigningKey key(int i) {
        Map<String, Object> k = TestJson.map(TestJson.list(VECTORS.get("keys")).get(i));
        return SigningKey.fromSeed((String) k.get("name"), HexFormat.of().parseHex((String) k.get("seedHex")));
    }

    @Test
    void derivesPublicKeyKeyIdAndVkeyLikeTheIndependentImplementation() {
        for (int i = 0; i < 2; i++) {
            Map<String, Object> k = TestJson.map(TestJson.list(VECTORS.get("keys")).get(i));
            SigningKey sk = key(i);
            VerifierKey vk = sk.verifierKey();
            assertThat(HexFormat.of().formatHex(vk.publicKey())).isEqualTo(k.get("publicKeyHex"));
            assertThat(VerifierKey.hexId(vk.keyId())).isEqualTo(k.get("keyIdHex"));
            assertThat(vk.toVkey()).isEqualTo(k.get("vkey"));
            assertThat(VerifierKey.parse((String) k.get("vkey"))).isEqualTo(vk);
            assertThat(VerifierKey.fromSpkiPem(sk.name(), (String) k.get("spkiPem"))).isEqualTo(vk);
            SigningKey fromPem = SigningKey.fromPkcs8Pem(sk.name(), (String) k.get("pkcs8Pem"));
            assertThat(fromPem.verifierKey()).isEqualTo(vk);
            // Our PEM re-reads to the same key (byte-equality with Python's PEM is not required).
            assertThat(SigningKey.fromPkcs8Pem(sk.name(), sk.toPkcs8Pem()).verifierKey()).isEqualTo(vk);
        }
    }

    @Test
    void buildsAndSignsCheckpointsByteForByteLikeTheIndependentImplementation() {
        SigningKey k1 = key(0);
        SigningKey k2 = key(1);
        CheckpointVerifier verifier = CheckpointVerifier.of(k1.verifierKey());
        for (Object o : TestJson.list(VECTORS.get("checkpoints"))) {
            Map<String, Object> v = TestJson.map(o);
            LogId log = LogId.of((String) v.get("tenant"), (String) v.get("agentId"));
            assertThat(log.origin()).isEqualTo(v.get("origin"));
            assertThat(LogId.fromOrigin((String) v.get("origin"))).isEqualTo(log);

            long size = (Long) v.get("treeSize");
            ChainHead head = new ChainHead(log, size, Hash.fromBase64((String) v.get("chainHeadHashBase64")));
            Checkpoint c = Checkpoint.forLog(head, Hash.fromBase64((String) v.get("rootHashBase64")));
            assertThat(c.body()).isEqualTo(v.get("body"));
            assertThat(Checkpoint.parse((String) v.get("body"))).isEqualTo(c);
            assertThat(c.chainHead()).contains(head);

            SignedCheckpoint one = SignedCheckpoint.sign(c, k1);
            assertThat(one.text()).isEqualTo(v.get("noteSignedByKey1"));
            assertThat(one.noteHash().hex()).isEqualTo(v.get("noteHashKey1Hex"));
            assertThat(SignedCheckpoint.sign(c, List.of(k1, k2)).text()).isEqualTo(v.get("noteSignedByKey1And2"));

            assertThat(verifier.verify((String) v.get("noteSignedByKey1"), log.origin()).checkpoint()).isEqualTo(c);
            assertThat(verifier.verify((String) v.get("noteSignedByKey1And2")).checkpoint()).isEqualTo(c);
        }
    }

    @Test
    void storedNoteFileVerifiesWithTheStoredVerifierKey() {
        String note = TestJson.text("/vectors/checkpoint/checkpoint-acme-agent-1.note");
        VerifierKey vk = VerifierKey.parse(TestJson.text("/vectors/checkpoint/test-key.vkey"));
        SignedCheckpoint sc = CheckpointVerifier.of(vk).verify(note, "attestream/acme/agent-1");
        assertThat(sc.checkpoint().treeSize()).isEqualTo(1);
        assertThat(sc.text()).isEqualTo(note);
    }
}
