package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
            if (i == 0) {
                // NAME+HEX+BASE64 splits at the first two '+' only: key 1's base64 contains a '+' itself.
                assertThat(((String) k.get("vkey")).chars().filter(ch -> ch == '+').count()).isEqualTo(3);
            }
            assertThat(VerifierKey.fromSpkiPem(sk.name(), (String) k.get("spkiPem"))).isEqualTo(vk);
            SigningKey fromPem = SigningKey.fromPkcs8Pem(sk.name(), (String) k.get("pkcs8Pem"));
            assertThat(fromPem.verifierKey()).isEqualTo(vk);
            // Our PEM re-reads to the same key (byte-equality with Python's PEM is not required).
            assertThat(SigningKey.fromPkcs8Pem(sk.name(), sk.toPkcs8Pem()).verifierKey()).isEqualTo(vk);
        }
    }

    /** Ed25519 is deterministic: the notes must equal the vectors byte for byte, and verify. */
    private static void signsAndVerifiesLikeTheVectors(Checkpoint c, Map<String, Object> v, LogId log) {
        SigningKey k1 = key(0);
        SigningKey k2 = key(1);
        SignedCheckpoint one = SignedCheckpoint.sign(c, k1);
        assertThat(one.text()).isEqualTo(v.get("noteSignedByKey1"));
        assertThat(one.noteHash().hex()).isEqualTo(v.get("noteHashKey1Hex"));
        assertThat(SignedCheckpoint.sign(c, List.of(k1, k2)).text()).isEqualTo(v.get("noteSignedByKey1And2"));
        CheckpointVerifier verifier = CheckpointVerifier.of(k1.verifierKey());
        assertThat(verifier.verify((String) v.get("noteSignedByKey1"), log.origin()).checkpoint()).isEqualTo(c);
        assertThat(verifier.verify((String) v.get("noteSignedByKey1And2")).checkpoint()).isEqualTo(c);
    }

    @Test
    void format1CheckpointsKeepVerifyingAndParseAsFormat1() {
        for (Object o : TestJson.list(VECTORS.get("checkpoints"))) {
            Map<String, Object> v = TestJson.map(o);
            LogId log = LogId.of((String) v.get("tenant"), (String) v.get("agentId"));
            assertThat(log.origin()).isEqualTo(v.get("origin"));
            assertThat(LogId.fromOrigin((String) v.get("origin"))).isEqualTo(log);

            long size = (Long) v.get("treeSize");
            ChainHead head = new ChainHead(log, size, Hash.fromBase64((String) v.get("chainHeadHashBase64")));
            Checkpoint c = Checkpoint.parse((String) v.get("body"));
            assertThat(c.origin()).isEqualTo(log.origin());
            assertThat(c.treeSize()).isEqualTo(size);
            assertThat(c.rootHash()).isEqualTo(Hash.fromBase64((String) v.get("rootHashBase64")));
            assertThat(c.formatVersion()).isEqualTo(Checkpoint.FORMAT_1);
            assertThat(c.chainHead()).isEqualTo(head);
            assertThat(c.cadence()).isEmpty();
            assertThat(c.created()).isEmpty();
            assertThat(c.body()).isEqualTo(v.get("body"));

            signsAndVerifiesLikeTheVectors(c, v, log);
        }
    }

    @Test
    void buildsAndSignsFormat2CheckpointsByteForByteLikeTheIndependentImplementation() {
        int n = 0;
        for (Object o : TestJson.list(VECTORS.get("checkpointsFormat2"))) {
            Map<String, Object> v = TestJson.map(o);
            LogId log = LogId.of((String) v.get("tenant"), (String) v.get("agentId"));
            long size = (Long) v.get("treeSize");
            ChainHead head = new ChainHead(log, size, Hash.fromBase64((String) v.get("chainHeadHashBase64")));
            Checkpoint.Cadence cadence = new Checkpoint.Cadence((Long) v.get("cadenceEvents"),
                    (Long) v.get("cadenceIntervalMs"));
            Instant created = Instant.EPOCH.plus((Long) v.get("createdMicros"), ChronoUnit.MICROS);
            assertThat(created).isEqualTo(Instant.parse((String) v.get("created")));
            Checkpoint c = Checkpoint.forLog(head, Hash.fromBase64((String) v.get("rootHashBase64")), cadence,
                    created);
            assertThat(c.body()).isEqualTo(v.get("body"));
            Checkpoint parsed = Checkpoint.parse((String) v.get("body"));
            assertThat(parsed).isEqualTo(c);
            assertThat(parsed.formatVersion()).isEqualTo(Checkpoint.FORMAT_2);
            assertThat(parsed.chainHead()).isEqualTo(head);
            assertThat(parsed.cadence()).contains(cadence);
            assertThat(parsed.created()).contains(created);

            signsAndVerifiesLikeTheVectors(c, v, log);
            n++;
        }
        assertThat(n).isEqualTo(4);
    }

    @Test
    void rejectsEveryBodyTheIndependentParserRejects() {
        int n = 0;
        for (Object o : TestJson.list(VECTORS.get("rejectedBodies"))) {
            Map<String, Object> v = TestJson.map(o);
            String body = (String) v.get("body");
            assertThatThrownBy(() -> Checkpoint.parse(body).formatVersion()).as((String) v.get("why"))
                    .isInstanceOf(MalformedDataException.class);
            n++;
        }
        assertThat(n).isEqualTo(24);
    }

    @Test
    void storedNoteFilesVerifyWithTheStoredVerifierKey() {
        VerifierKey vk = VerifierKey.parse(TestJson.text("/vectors/checkpoint/test-key.vkey"));
        int format = 1;
        for (String file : List.of("checkpoint-acme-agent-1.note", "checkpoint-format2-acme-agent-1.note")) {
            String note = TestJson.text("/vectors/checkpoint/" + file);
            SignedCheckpoint sc = CheckpointVerifier.of(vk).verify(note, "attestream/acme/agent-1");
            assertThat(sc.checkpoint().treeSize()).isEqualTo(1);
            assertThat(sc.checkpoint().formatVersion()).isEqualTo(format++);
            assertThat(sc.text()).isEqualTo(note);
        }
    }
}
