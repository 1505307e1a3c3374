package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Bytes;
import io.attestream.integrity.internal.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Identity of one per-agent log: a (tenant, agentId) pair. Each log has its own hash chain,
 * Merkle tree and checkpoints.
 *
 * <p>Both parts are non-empty, well-formed Unicode, at most {@value #MAX_UTF8_BYTES} bytes in
 * UTF-8. They are hashed as UTF-8 bytes exactly as given (no normalisation).
 */
public final class LogId {
    /** Longest tenant or agent id, in UTF-8 bytes. */
    public static final int MAX_UTF8_BYTES = 1024;
    /** Prefix of every checkpoint origin line. */
    public static final String ORIGIN_PREFIX = "attestream/";

    static final byte[] ENTRY_TAG_V1 = "attestream.chain.entry.v1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ENTRY_TAG_V2 = "attestream.chain.entry.v2".getBytes(StandardCharsets.US_ASCII);
    static final byte[] GENESIS_TAG = "attestream.chain.genesis.v1".getBytes(StandardCharsets.US_ASCII);

    private final String tenant;
    private final String agentId;
    /** u32(len tag) tag u32(len tenant) tenant u32(len agent) agent: the start of every v1 entry preimage. */
    private final byte[] entryPrefixV1;
    /** The same with the v2 tag. */
    private final byte[] entryPrefixV2;
    private final Hash genesis;

    private LogId(String tenant, String agentId) {
        this.tenant = tenant;
        this.agentId = agentId;
        byte[] t = checked("tenant", tenant);
        byte[] a = checked("agentId", agentId);
        this.entryPrefixV1 = Bytes.lengthPrefixed(ENTRY_TAG_V1, t, a);
        this.entryPrefixV2 = Bytes.lengthPrefixed(ENTRY_TAG_V2, t, a);
        this.genesis = Hash.wrap(Sha256.hash(Bytes.lengthPrefixed(GENESIS_TAG, t, a)));
    }

    /**
     * A log identity.
     *
     * @param tenant the tenant
     * @param agentId the agent within the tenant
     * @return the identity
     * @throws IllegalArgumentException when a part is empty, too long or not well-formed Unicode
     */
    public static LogId of(String tenant, String agentId) {
        return new LogId(requireNonNull(tenant, "tenant"), requireNonNull(agentId, "agentId"));
    }

    /**
     * Checks that {@code tenant} and {@code agentId} make a log identity, throwing what {@link #of} throws for them,
     * without computing the identity's hashes (for a caller that only needs to know, once per event).
     *
     * @throws IllegalArgumentException when either is not well-formed Unicode or not 1..{@value #MAX_UTF8_BYTES}
     *                                  UTF-8 bytes
     */
    public static void check(String tenant, String agentId) {
        checked("tenant", requireNonNull(tenant, "tenant"));
        checked("agentId", requireNonNull(agentId, "agentId"));
    }

    private static byte[] checked(String what, String s) {
        byte[] b;
        try {
            b = Bytes.utf8Strict(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not well-formed Unicode: " + e.getMessage(), e);
        }
        if (b.length == 0 || b.length > MAX_UTF8_BYTES) {
            throw new IllegalArgumentException(what + " must be 1.." + MAX_UTF8_BYTES + " UTF-8 bytes, got " + b.length);
        }
        return b;
    }

    /**
     * The tenant.
     *
     * @return the tenant
     */
    public String tenant() {
        return tenant;
    }

    /**
     * The agent id.
     *
     * @return the agent id
     */
    public String agentId() {
        return agentId;
    }

    /**
     * The genesis hash: the previous hash of entry 0, SHA-256(u32be(27) || "attestream.chain.genesis.v1"
     * || u32be(len) || tenant || u32be(len) || agentId).
     *
     * @return the genesis hash of this log
     */
    public Hash genesisHash() {
        return genesis;
    }

    /** The start of an entry preimage of {@code version} (1 or 2, checked by the caller). */
    byte[] entryPrefix(int version) {
        return version == ChainEntry.VERSION_1 ? entryPrefixV1 : entryPrefixV2;
    }

    /**
     * The checkpoint origin line: {@code attestream/<pct(tenant)>/<pct(agentId)>} where pct
     * percent-encodes every UTF-8 byte outside {@code A-Z a-z 0-9 - . _ ~} as {@code %XX}
     * (upper-case hex). The mapping is injective and the result never contains a space, '+',
     * '/' inside a part, or a newline.
     *
     * @return the origin
     */
    public String origin() {
        return ORIGIN_PREFIX + escape(tenant) + "/" + escape(agentId);
    }

    /**
     * Parses an origin line written by {@link #origin()}. Only the canonical escaping is accepted.
     *
     * @param origin the origin
     * @return the log identity
     * @throws MalformedDataException when origin is not a canonical attestream origin
     */
    public static LogId fromOrigin(String origin) {
        requireNonNull(origin, "origin");
        if (!origin.startsWith(ORIGIN_PREFIX)) {
            throw new MalformedDataException("origin '" + origin + "' does not start with '" + ORIGIN_PREFIX + "'");
        }
        String rest = origin.substring(ORIGIN_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
            throw new MalformedDataException("origin '" + origin + "' is not attestream/<tenant>/<agentId>");
        }
        try {
            LogId id = of(unescape(rest.substring(0, slash)), unescape(rest.substring(slash + 1)));
            if (!id.origin().equals(origin)) {
                throw new MalformedDataException("origin '" + origin + "' is not canonically escaped; expected '"
                        + id.origin() + "'");
            }
            return id;
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("origin '" + origin + "': " + e.getMessage(), e);
        }
    }

    private static boolean unreserved(int c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (byte b : Bytes.utf8Strict(s)) {
            int c = b & 0xff;
            if (unreserved(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static String unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated %-escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad %-escape at " + i);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (unreserved(c)) {
                out.write(c);
            } else {
                throw new IllegalArgumentException("character '" + c + "' must be %-escaped");
            }
        }
        return Bytes.utf8StrictDecode(out.toByteArray());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogId && ((LogId) o).tenant.equals(tenant) && ((LogId) o).agentId.equals(agentId);
    }

    @Override
    public int hashCode() {
        return 31 * tenant.hashCode() + agentId.hashCode();
    }

    @Override
    public String toString() {
        return origin();
    }
}
