package io.attestream.deploy.chdb;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The users the server accepts. File format (Java properties, UTF-8), two keys per user:
 * <pre>
 * # sha256 hex of the password; e3b0c442...b855 is the empty password
 * user.default.password_sha256 = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 * user.default.readonly = false
 * user.auditor.password_sha256 = 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
 * user.auditor.readonly = true
 * </pre>
 * Both keys are required for every user; unknown keys are errors (a typo must not silently
 * give a user write access). A read-only user's queries run on a session with ClickHouse's
 * {@code readonly=1}, which it cannot lift.
 */
public final class ChdbUsers {

    /** Key pattern: {@code user.<name>.<attribute>}. */
    private static final Pattern KEY = Pattern.compile("user\\.([A-Za-z0-9_\\-]+)\\.(password_sha256|readonly)");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** One user; the password is only ever held hashed. */
    public record User(String name, String passwordSha256, boolean readonly) {
        /** Validates the name and hash. */
        public User {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(passwordSha256, "passwordSha256");
            if (!HEX64.matcher(passwordSha256).matches()) {
                throw new ChdbServerException("user." + name + ".password_sha256 must be 64 lower-case hex digits");
            }
        }
    }

    private final Map<String, User> users;

    private ChdbUsers(Map<String, User> users) {
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
    }

    /** {@code default} (empty password, full access) and {@code auditor} (empty password, read-only). */
    public static ChdbUsers defaults() {
        Map<String, User> m = new LinkedHashMap<>();
        m.put("default", new User("default", sha256Hex(""), false));
        m.put("auditor", new User("auditor", sha256Hex(""), true));
        return new ChdbUsers(m);
    }

    /** Builds a user set from explicit users (at least one). */
    public static ChdbUsers of(User... list) {
        Map<String, User> m = new LinkedHashMap<>();
        for (User u : list) {
            if (m.put(u.name(), u) != null) {
                throw new ChdbServerException("user " + u.name() + " defined twice");
            }
        }
        if (m.isEmpty()) {
            throw new ChdbServerException("at least one user is required");
        }
        return new ChdbUsers(m);
    }

    /** Reads a users file in the format above. */
    public static ChdbUsers load(Path file) {
        Objects.requireNonNull(file, "file");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ChdbServerException("cannot read users file " + file + " (--users-file): " + e.getMessage(), e);
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        Map<String, String> flags = new LinkedHashMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            Matcher m = KEY.matcher(key);
            if (!m.matches()) {
                throw new ChdbServerException("users file " + file + ": unknown key '" + key
                        + "' (expected user.<name>.password_sha256 or user.<name>.readonly)");
            }
            String value = p.getProperty(key).trim();
            if (m.group(2).equals("password_sha256")) {
                hashes.put(m.group(1), value.toLowerCase(Locale.ROOT));
            } else {
                flags.put(m.group(1), value);
            }
        }
        Map<String, User> out = new LinkedHashMap<>();
        TreeSet<String> names = new TreeSet<>(hashes.keySet());
        names.addAll(flags.keySet());
        for (String name : names) {
            String hash = hashes.get(name);
            String flag = flags.get(name);
            if (hash == null) {
                throw new ChdbServerException("users file " + file + ": user." + name + ".password_sha256 is missing");
            }
            if (flag == null) {
                throw new ChdbServerException("users file " + file + ": user." + name + ".readonly is missing");
            }
            if (!flag.equals("true") && !flag.equals("false")) {
                throw new ChdbServerException("users file " + file + ": user." + name
                        + ".readonly must be true or false, not '" + flag + "'");
            }
            if (!HEX64.matcher(hash).matches()) {
                throw new ChdbServerException("users file " + file + ": user." + name
                        + ".password_sha256 must be the sha256 of the password as 64 hex digits");
            }
            out.put(name, new User(name, hash, Boolean.parseBoolean(flag)));
        }
        if (out.isEmpty()) {
            throw new ChdbServerException("users file " + file + " defines no users");
        }
        return new ChdbUsers(out);
    }

    /** Renders this set in the file format, e.g. to write a starter file. */
    public String toFileText() {
        StringBuilder sb = new StringBuilder("# chdb-server users: sha256 hex of each password, readonly flag\n");
        for (User u : users.values()) {
            sb.append("user.").append(u.name()).append(".password_sha256 = ").append(u.passwordSha256()).append('\n');
            sb.append("user.").append(u.name()).append(".readonly = ").append(u.readonly()).append('\n');
        }
        return sb.toString();
    }

    /** All users by name. */
    public Map<String, User> users() {
        return users;
    }

    /**
     * Returns the user if {@code name} exists and {@code password} matches. The comparison of
     * hashes is constant-time; unknown users and wrong passwords are indistinguishable.
     */
    public Optional<User> authenticate(String name, String password) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
        User u = users.get(name);
        byte[] given = sha256Hex(password).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = (u == null ? sha256Hex("\u0000unknown user") : u.passwordSha256())
                .getBytes(StandardCharsets.US_ASCII);
        boolean ok = MessageDigest.isEqual(given, expected);
        return ok && u != null ? Optional.of(u) : Optional.empty();
    }

    /** Lower-case hex sha256 of the UTF-8 bytes of {@code password}. */
    public static String sha256Hex(String password) {
        Objects.requireNonNull(password, "password");
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
