package io.attestream.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileKeyStoreTest {
    private static final LocalMasterKey MASTER = LocalMasterKey.of(new byte[32]);

    @TempDir
    Path dir;

    private FileKeyStore store(Duration ttl) throws SealingException {
        return new FileKeyStore(dir, MASTER, ttl);
    }

    @Test
    void aSubjectKeepsOneKeyAcrossCallsAndStoresAndSubjectsAndTenantsDiffer() throws Exception {
        FileKeyStore a = store(Duration.ofMinutes(1));
        DataKey k1 = a.dataKeyFor("acme", "user-1");
        assertThat(a.dataKeyFor("acme", "user-1").keyId()).isEqualTo(k1.keyId());
        DataKey reopened = store(Duration.ZERO).dataKeyFor("acme", "user-1");
        assertThat(reopened.keyId()).isEqualTo(k1.keyId());
        assertThat(reopened.key()).isEqualTo(k1.key());
        assertThat(a.dataKeyFor("acme", "user-2").keyId()).isNotEqualTo(k1.keyId());
        // another tenant: another digest key, so another digest and another data key
        assertThat(a.subjectDigest("globex", "user-1")).isNotEqualTo(a.subjectDigest("acme", "user-1"));
        assertThat(a.dataKeyFor("globex", "user-1").key()).isNotEqualTo(k1.key());
        assertThat(a.dataKey("acme", k1.subjectDigest(), k1.keyId()).orElseThrow().key()).isEqualTo(k1.key());
        assertThat(a.dataKey("acme", k1.subjectDigest(), "other-id")).isEmpty();
    }

    @Test
    void noKeyMaterialIsStoredInTheClearAndAnotherMasterKeyIsAClearError() throws Exception {
        DataKey k = store(Duration.ZERO).dataKeyFor("acme", "user-1");
        String hexKey = HexFormat.of().formatHex(k.key());
        for (Path f : store(Duration.ZERO).keyFiles()) {
            byte[] content = Files.readAllBytes(f);
            assertThat(new String(content, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(hexKey)
                    .doesNotContain(java.util.Base64.getEncoder().encodeToString(k.key()))
                    .doesNotContain(new String(k.key(), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain("user-1");
        }
        byte[] other = new byte[32];
        other[0] = 1;
        FileKeyStore wrong = new FileKeyStore(dir, LocalMasterKey.of(other), Duration.ZERO);
        assertThatThrownBy(() -> wrong.dataKeyFor("acme", "user-1")).isInstanceOf(SealingException.class)
                .hasMessageContaining("is wrapped by master key " + MASTER.id());
    }

    @Test
    void destroyRemovesEveryKeyFileOfTheSubjectAndItsCacheAndKeepsOthers() throws Exception {
        FileKeyStore s = store(Duration.ofHours(1));
        DataKey gone = s.dataKeyFor("acme", "user-1");
        DataKey kept = s.dataKeyFor("acme", "user-2");
        byte[] digest = gone.subjectDigest();
        // a temporary file left by a crash during creation holds the key too
        Path subjects = dir.resolve(dirOf("acme")).resolve("subjects");
        Path stray = subjects.resolve(HexFormat.of().formatHex(digest) + ".0011223344556677.tmp");
        Files.copy(subjects.resolve(HexFormat.of().formatHex(digest) + ".json"), stray);

        assertThat(s.keyIds("acme", digest)).containsExactly(gone.keyId());
        assertThat(s.destroy("acme", digest)).containsExactly(gone.keyId());

        assertThat(s.dataKey("acme", digest, gone.keyId())).isEmpty();
        assertThat(store(Duration.ZERO).dataKey("acme", digest, gone.keyId())).isEmpty();
        assertThat(s.keyIds("acme", digest)).isEmpty();
        assertThat(Files.exists(stray)).isFalse();
        for (Path f : s.keyFiles()) {
            assertThat(Files.readString(f)).doesNotContain(gone.keyId() + "\",\n  \"masterKeyId");
        }
        assertThat(s.dataKey("acme", kept.subjectDigest(), kept.keyId()).orElseThrow().key()).isEqualTo(kept.key());
        assertThat(s.erasures("acme", digest).orElseThrow()).contains(gone.keyId());
        // a new event about the subject after the erasure gets a new key: the erased one never comes back
        DataKey fresh = s.dataKeyFor("acme", "user-1");
        assertThat(fresh.keyId()).isNotEqualTo(gone.keyId());
        assertThat(fresh.key()).isNotEqualTo(gone.key());
    }

    @Test
    void erasingAnUnknownOrAlreadyErasedSubjectIsAClearErrorThatChangesNothing() throws Exception {
        FileKeyStore s = store(Duration.ZERO);
        assertThat(s.findSubjectDigest("acme", "user-1")).isEmpty();
        assertThat(s.keyFiles()).as("finding creates nothing").isEmpty();
        s.dataKeyFor("acme", "user-1");
        assertThat(s.findSubjectDigest("acme", "user-1").orElseThrow()).isEqualTo(s.subjectDigest("acme", "user-1"));
        byte[] unknown = s.subjectDigest("acme", "nobody");
        Map<Path, String> before = snapshot(s);
        assertThatThrownBy(() -> s.destroy("acme", unknown)).isInstanceOf(UnknownSubjectException.class)
                .hasMessageContaining("holds no key of subject " + HexFormat.of().formatHex(unknown))
                .hasMessageContaining("never sealed").hasMessageContaining("nothing changed");
        assertThat(snapshot(s)).isEqualTo(before);

        byte[] d = s.subjectDigest("acme", "user-1");
        s.destroy("acme", d);
        Map<Path, String> afterErase = snapshot(s);
        assertThatThrownBy(() -> s.destroy("acme", d)).isInstanceOf(UnknownSubjectException.class)
                .hasMessageContaining("already erased");
        assertThat(snapshot(s)).isEqualTo(afterErase);
    }

    @Test
    void twoStoresCreatingTheSameSubjectsKeyAtOnceEndWithOneKey() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                String subject = "user-race-" + round;
                List<Future<DataKey>> fs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Callable<DataKey> c = () -> new FileKeyStore(dir, MASTER, Duration.ZERO).dataKeyFor("acme", subject);
                    fs.add(pool.submit(c));
                }
                List<String> ids = new ArrayList<>();
                for (Future<DataKey> f : fs) {
                    ids.add(f.get().keyId());
                }
                assertThat(ids.stream().distinct()).as("round " + round).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String dirOf(String tenant) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static Map<Path, String> snapshot(FileKeyStore s) throws Exception {
        Map<Path, String> m = new TreeMap<>();
        for (Path f : s.keyFiles()) {
            m.put(f, Arrays.toString(Files.readAllBytes(f)));
        }
        return m;
    }
}
