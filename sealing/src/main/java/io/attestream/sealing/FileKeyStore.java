package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.sealing.internal.Bytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A key store in a local directory; every key in it is wrapped by the {@link MasterKey} (envelope encryption), so
 * the directory alone opens nothing. Layout (docs/privacy.md, "File key store"):
 *
 * <pre>
 * DIR/&lt;sha256-hex(tenant)&gt;/subject-digest-key.json     the tenant's subject-digest key (wrapped)
 * DIR/&lt;sha256-hex(tenant)&gt;/subjects/&lt;digest-hex&gt;.json   one subject's data key (wrapped): keyId, createdAt
 * DIR/&lt;sha256-hex(tenant)&gt;/erased/&lt;digest-hex&gt;.json     erasures of that subject: key ids, time (no key material)
 * </pre>
 *
 * <p>Each file is JSON with {@code "format": 1}; wrapped keys are base64 of the master key's output, their context
 * {@code lp("attestream/wrapped-key/v1") || lp(tenant) || lp(keyId)}. A key file is created by writing a temporary
 * file and hard-linking it to its name, so two processes creating the same subject's key at once end with one key
 * (the loser reads the winner's). {@link #destroy} writes the erasure file, overwrites the key file with random
 * bytes, flushes it to the device, deletes it (and any temporary file of that subject left by a crash) and flushes
 * the directory. Overwriting does not reach copies the file system or device may keep (journal, copy-on-write
 * snapshots, SSD remapping) nor backups: docs/privacy.md says how to deploy the store so that this holds.
 *
 * <p>Data keys read or created are cached in this process for {@code cacheTtl}; another process's erasure is
 * therefore seen after at most that long (a producer may seal under the erased key until then: such fields are
 * unreadable, which errs on the side of privacy).
 */
public final class FileKeyStore implements KeyStore {
    static final String DIGEST_KEY_ID = "subject-digest-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final Path root;
    private final MasterKey master;
    private final Duration cacheTtl;
    private final Clock clock;
    private final ConcurrentHashMap<String, byte[]> digestKeys = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Cached> dataKeys = new ConcurrentHashMap<>();

    private record Cached(DataKey key, long expiresAtNanos) {
    }

    /**
     * Opens (and creates if missing) a store.
     *
     * @param root the directory
     * @param master wraps and unwraps every key
     * @param cacheTtl how long a data key stays cached in this process (zero: no cache)
     */
    public FileKeyStore(Path root, MasterKey master, Duration cacheTtl) throws SealingException {
        this(root, master, cacheTtl, Clock.systemUTC());
    }

    FileKeyStore(Path root, MasterKey master, Duration cacheTtl, Clock clock) throws SealingException {
        this.root = requireNonNull(root, "root");
        this.master = requireNonNull(master, "master");
        this.cacheTtl = requireNonNull(cacheTtl, "cacheTtl");
        this.clock = requireNonNull(clock, "clock");
        if (cacheTtl.isNegative()) {
            throw new IllegalArgumentException("cacheTtl must not be negative");
        }
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new SealingException("cannot create key store directory " + root + ": " + e, e);
        }
    }

    @Override
    public String describe() {
        return "file (master key " + master.id() + ")";
    }

    @Override
    public byte[] subjectDigest(String tenant, String subjectId) throws SealingException {
        requireNonNull(subjectId, "subjectId");
        return SealedFields.subjectDigest(digestKey(tenant), subjectId);
    }

    @Override
    public Optional<byte[]> findSubjectDigest(String tenant, String subjectId) throws SealingException {
        requireNonNull(subjectId, "subjectId");
        byte[] cached = digestKeys.get(requireNonNull(tenant, "tenant"));
        if (cached == null) {
            Path file = tenantDir(tenant).resolve("subject-digest-key.json");
            Optional<JsonNode> node = read(file);
            if (node.isEmpty()) {
                return Optional.empty();
            }
            cached = unwrap(node.get(), file, tenant, DIGEST_KEY_ID);
            digestKeys.put(tenant, cached);
        }
        return Optional.of(SealedFields.subjectDigest(cached, subjectId));
    }

    private byte[] digestKey(String tenant) throws SealingException {
        requireNonNull(tenant, "tenant");
        byte[] cached = digestKeys.get(tenant);
        if (cached != null) {
            return cached;
        }
        Path file = tenantDir(tenant).resolve("subject-digest-key.json");
        JsonNode node = readOrCreate(file, tenant, DIGEST_KEY_ID, null);
        byte[] key = unwrap(node, file, tenant, DIGEST_KEY_ID);
        digestKeys.put(tenant, key);
        return key;
    }

    @Override
    public DataKey dataKeyFor(String tenant, String subjectId) throws SealingException {
        byte[] digest = subjectDigest(tenant, subjectId);
        String cacheKey = tenant + "\n" + HEX.formatHex(digest);
        Cached c = dataKeys.get(cacheKey);
        if (c != null && System.nanoTime() - c.expiresAtNanos() < 0) {
            return c.key();
        }
        Path file = subjectFile(tenant, digest);
        JsonNode node = readOrCreate(file, tenant, UUID.randomUUID().toString(), digest);
        DataKey key = toDataKey(node, file, tenant, digest);
        if (!cacheTtl.isZero()) {
            dataKeys.put(cacheKey, new Cached(key, System.nanoTime() + cacheTtl.toNanos()));
        }
        return key;
    }

    @Override
    public Optional<DataKey> dataKey(String tenant, byte[] subjectDigest, String keyId) throws SealingException {
        requireNonNull(keyId, "keyId");
        Path file = subjectFile(tenant, subjectDigest);
        Optional<JsonNode> node = read(file);
        if (node.isEmpty() || !keyId.equals(node.get().path("keyId").asText())) {
            return Optional.empty();
        }
        return Optional.of(toDataKey(node.get(), file, tenant, subjectDigest));
    }

    @Override
    public List<String> keyIds(String tenant, byte[] subjectDigest) throws SealingException {
        return read(subjectFile(tenant, subjectDigest)).map(n -> List.of(n.path("keyId").asText())).orElse(List.of());
    }

    @Override
    public List<String> destroy(String tenant, byte[] subjectDigest) throws SealingException {
        Path file = subjectFile(tenant, subjectDigest);
        String digestHex = HEX.formatHex(subjectDigest);
        Path erasedFile = tenantDir(tenant).resolve("erased").resolve(digestHex + ".json");
        Optional<JsonNode> node = read(file);
        if (node.isEmpty()) {
            Optional<JsonNode> erased = read(erasedFile);
            throw new UnknownSubjectException("the key store holds no key of subject " + digestHex + " in tenant "
                    + tenant + (erased.isPresent() ? " (already erased: " + erased.get().path("erasures") + ")"
                    : " (never sealed under this store)") + "; nothing changed");
        }
        String keyId = node.get().path("keyId").asText();
        try {
            // The erasure file first: a crash before the key file is gone leaves both, and erasing again finishes.
            ObjectNode record = read(erasedFile).map(n -> (ObjectNode) n).orElseGet(() -> {
                ObjectNode n = JSON.createObjectNode();
                n.put("format", 1);
                n.put("tenant", tenant);
                n.put("subjectDigest", digestHex);
                n.putArray("erasures");
                return n;
            });
            ObjectNode erasure = ((ArrayNode) record.get("erasures")).addObject();
            erasure.putArray("keyIds").add(keyId);
            erasure.put("erasedAt", clock.instant().toString());
            writeReplacing(erasedFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
            dataKeys.remove(tenant + "\n" + digestHex);
            shred(file);
            try (DirectoryStream<Path> stray = Files.newDirectoryStream(file.getParent(), digestHex + ".*.tmp")) {
                for (Path p : stray) {
                    shred(p);
                }
            }
            syncDirectory(file.getParent());
        } catch (IOException e) {
            throw new SealingException("erasing subject " + digestHex + " of tenant " + tenant + " failed part-way ("
                    + e + "); run the erasure again to finish it", e);
        }
        return List.of(keyId);
    }

    /** Overwrites the file with random bytes, flushes them to the device, deletes it. */
    private static void shred(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = ch.size();
            byte[] noise = new byte[(int) Math.max(size, 1)];
            RANDOM.nextBytes(noise);
            ch.write(ByteBuffer.wrap(noise), 0);
            ch.force(true);
        } catch (NoSuchFileException e) {
            return;
        }
        Files.deleteIfExists(file);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every platform can open a directory for fsync; the deletion itself has happened.
        }
    }

    private DataKey toDataKey(JsonNode node, Path file, String tenant, byte[] digest) throws SealingException {
        String keyId = node.path("keyId").asText();
        if (!HEX.formatHex(digest).equals(node.path("subjectDigest").asText())) {
            throw new SealingException("key file " + file + " names another subject: the store was altered");
        }
        return new DataKey(keyId, digest, unwrap(node, file, tenant, keyId));
    }

    private byte[] unwrap(JsonNode node, Path file, String tenant, String keyId) throws SealingException {
        if (node.path("format").asInt() != 1) {
            throw new SealingException("key file " + file + " has unknown format " + node.path("format"));
        }
        String masterId = node.path("masterKeyId").asText();
        if (!master.id().equals(masterId)) {
            throw new SealingException("key file " + file + " is wrapped by master key " + masterId + ", not by "
                    + master.id() + ": open the store with its own master key");
        }
        byte[] wrapped;
        try {
            wrapped = Base64.getDecoder().decode(node.path("wrappedKey").asText());
        } catch (IllegalArgumentException e) {
            throw new SealingException("key file " + file + ": wrappedKey is not base64");
        }
        return master.unwrap(wrapped, context(tenant, keyId));
    }

    private static byte[] context(String tenant, String keyId) {
        return Bytes.lengthPrefixed("attestream/wrapped-key/v1", tenant, keyId);
    }

    /** Reads the key file, or creates it with a new random key under {@code newKeyId}. */
    private JsonNode readOrCreate(Path file, String tenant, String newKeyId, byte[] digest) throws SealingException {
        Optional<JsonNode> existing = read(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] key = new byte[SealedFields.KEY_BYTES];
        RANDOM.nextBytes(key);
        ObjectNode n = JSON.createObjectNode();
        n.put("format", 1);
        n.put("tenant", tenant);
        if (digest != null) {
            n.put("subjectDigest", HEX.formatHex(digest));
        }
        n.put("keyId", newKeyId);
        n.put("masterKeyId", master.id());
        n.put("wrappedKey", Base64.getEncoder().encodeToString(master.wrap(key, context(tenant, newKeyId))));
        n.put("createdAt", clock.instant().toString());
        java.util.Arrays.fill(key, (byte) 0);
        try {
            Files.createDirectories(file.getParent());
            String base = file.getFileName().toString();
            Path tmp = file.resolveSibling(base.substring(0, base.length() - ".json".length()) + "."
                    + HEX.formatHex(randomBytes(8)) + ".tmp");
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException raced) {
                // Another process created the key first: use theirs.
            } finally {
                Files.deleteIfExists(tmp);
            }
            syncDirectory(file.getParent());
        } catch (IOException e) {
            throw new SealingException("cannot write key file " + file + ": " + e, e);
        }
        return read(file).orElseThrow(() -> new SealingException("key file " + file + " vanished after creation"));
    }

    private static Optional<JsonNode> read(Path file) throws SealingException {
        try {
            return Optional.of(JSON.readTree(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SealingException("cannot read key file " + file + ": " + e, e);
        }
    }

    private static void writeReplacing(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + "." + HEX.formatHex(randomBytes(8)) + ".part");
        Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private Path tenantDir(String tenant) {
        try {
            return root.resolve(HEX.formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(requireNonNull(tenant, "tenant").getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path subjectFile(String tenant, byte[] digest) {
        requireNonNull(digest, "subjectDigest");
        if (digest.length != 32) {
            throw new IllegalArgumentException("subject digest must be 32 bytes, got " + digest.length);
        }
        return tenantDir(tenant).resolve("subjects").resolve(HEX.formatHex(digest) + ".json");
    }

    /** All erasures recorded in this store for a tenant's subject, as JSON text (empty when none). */
    public Optional<String> erasures(String tenant, byte[] subjectDigest) throws SealingException {
        return read(tenantDir(tenant).resolve("erased").resolve(HEX.formatHex(subjectDigest) + ".json"))
                .map(n -> n.path("erasures").toString());
    }

    /** Every key file path of this store (tests and the backup documentation). */
    List<Path> keyFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (var s = Files.walk(root)) {
                s.filter(Files::isRegularFile).forEach(out::add);
            }
        }
        return out;
    }
}
