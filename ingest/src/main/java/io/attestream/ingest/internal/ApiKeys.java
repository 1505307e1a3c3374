package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The gateway's API keys, stored hashed: a text file with one key per line,
 * {@code <name> <sha256-hex-of-key> <tenant> <agents>}, where {@code tenant} is a tenant or {@code *} and
 * {@code agents} a comma-separated list of agent ids, prefixes ending in {@code *}, or {@code *}. Blank lines and
 * lines starting with {@code #} are ignored. The plain key is never stored; {@link #hash} computes the column.
 */
public final class ApiKeys {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    /** What one key may write: a tenant (or every tenant) and a set of agents. */
    public record Scope(String name, String tenant, List<String> agents) {
        public Scope {
            requireNonNull(name, "name");
            requireNonNull(tenant, "tenant");
            agents = List.copyOf(agents);
        }

        /** Whether this key may write events of {@code agentId} of {@code tenantId}. */
        public boolean covers(String tenantId, String agentId) {
            if (!tenant.equals("*") && !tenant.equals(tenantId)) {
                return false;
            }
            for (String pattern : agents) {
                if (pattern.endsWith("*") ? agentId.startsWith(pattern.substring(0, pattern.length() - 1))
                        : pattern.equals(agentId)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Map<String, Scope> byHash;

    private ApiKeys(Map<String, Scope> byHash) {
        this.byHash = Map.copyOf(byHash);
    }

    /**
     * Reads the keys file.
     *
     * @throws IllegalArgumentException naming {@code configKey}, the file and the line when a line is malformed
     */
    public static ApiKeys load(Path file, String configKey) {
        requireNonNull(file, "file");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(configKey + ": cannot read API keys file " + file, e);
        }
        return parse(lines, configKey + " (" + file + ")");
    }

    /** Parses key lines; {@code source} names them in errors. */
    public static ApiKeys parse(List<String> lines, String source) {
        Map<String, Scope> keys = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\\s+");
            if (cols.length != 4 || !HASH.matcher(cols[1]).matches()) {
                throw new IllegalArgumentException(source + " line " + (i + 1)
                        + ": expected '<name> <sha256-hex> <tenant|*> <agent,...|prefix*|*>'");
            }
            if (keys.put(cols[1], new Scope(cols[0], cols[2], List.of(cols[3].split(",")))) != null) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": duplicate key hash");
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + ": no API keys defined; every request would be refused");
        }
        return new ApiKeys(keys);
    }

    /** The scope of the presented plain {@code key}, if it is a known key. */
    public Optional<Scope> lookup(String key) {
        return key == null || key.isEmpty() ? Optional.empty() : Optional.ofNullable(byHash.get(hash(key)));
    }

    /** Lowercase hex SHA-256 of the UTF-8 key: the second column of the keys file. */
    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
