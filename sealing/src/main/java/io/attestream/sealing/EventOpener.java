package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.events.SealAlgorithm;
import io.attestream.events.SealedField;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificData;

/**
 * Restores sealed fields for readers holding the key store (report, export). Fields whose key was destroyed are
 * reported {@link Status#ERASED}; the event is never needed to verify the chain. Not thread-safe (caches keys).
 */
public final class EventOpener {
    private final KeyStore keys;
    private final Map<String, Optional<DataKey>> cache = new HashMap<>();

    public EventOpener(KeyStore keys) {
        this.keys = requireNonNull(keys, "keys");
    }

    /** What became of one sealed field. */
    public enum Status {
        /** Opened: the cleartext is back in the event. */
        OPENED,
        /** The store has no such key: erased (crypto-shredded) or sealed under another store. */
        ERASED,
        /** The key exists but the field does not open: altered, or moved from another event or field. */
        DOES_NOT_OPEN,
        /** An algorithm this build does not know. */
        UNSUPPORTED
    }

    /**
     * One sealed field's outcome.
     *
     * @param field the path
     * @param subjectDigest hex
     * @param keyId the key id
     * @param status what happened
     * @param cleartext the value when {@link Status#OPENED}, else null
     */
    public record FieldResult(String field, String subjectDigest, String keyId, Status status, String cleartext) {
    }

    /**
     * The event with its sealed fields opened where the keys allow, and each field's outcome.
     *
     * @param event a copy with cleartext restored (its {@code sealed} list is kept)
     * @param fields one result per sealed field, in order
     */
    public record Opened(AuditEvent event, List<FieldResult> fields) {
    }

    /**
     * Opens every sealed field of {@code event}.
     *
     * @throws SealingException when the key store cannot be read
     */
    public Opened open(AuditEvent event) throws SealingException {
        requireNonNull(event, "event");
        if (event.getSealed().isEmpty()) {
            return new Opened(event, List.of());
        }
        AuditEvent copy = SpecificData.get().deepCopy(AuditEvent.getClassSchema(), event);
        List<FieldResult> out = new ArrayList<>();
        String eventId = event.getEventId().toString();
        for (SealedField s : event.getSealed()) {
            byte[] digest = s.getSubjectDigest().bytes();
            String hex = HexFormat.of().formatHex(digest);
            if (s.getAlgorithm() != SealAlgorithm.AES_256_GCM_V1) {
                out.add(new FieldResult(s.getField(), hex, s.getKeyId(), Status.UNSUPPORTED, null));
                continue;
            }
            Optional<DataKey> key = cache.get(hex + "/" + s.getKeyId());
            if (key == null) {
                key = keys.dataKey(event.getTenant(), digest, s.getKeyId());
                cache.put(hex + "/" + s.getKeyId(), key);
            }
            if (key.isEmpty()) {
                out.add(new FieldResult(s.getField(), hex, s.getKeyId(), Status.ERASED, null));
                continue;
            }
            FieldPath path;
            try {
                path = FieldPath.parse(s.getField());
            } catch (IllegalArgumentException e) {
                out.add(new FieldResult(s.getField(), hex, s.getKeyId(), Status.DOES_NOT_OPEN, null));
                continue;
            }
            try {
                byte[] aad = SealedFields.aad(event.getTenant(), event.getAgentId(), eventId, s.getField(),
                        s.getKeyId(), digest);
                String clear = SealedFields.open(key.get().key(), bytes(s.getNonce()), aad, bytes(s.getCiphertext()));
                if (!path.set(copy, clear)) {
                    out.add(new FieldResult(s.getField(), hex, s.getKeyId(), Status.DOES_NOT_OPEN, null));
                    continue;
                }
                out.add(new FieldResult(s.getField(), hex, s.getKeyId(), Status.OPENED, clear));
            } catch (SealingException | IllegalArgumentException e) {
                out.add(new FieldResult(s.getField(), hex, s.getKeyId(), Status.DOES_NOT_OPEN, null));
            }
        }
        return new Opened(copy, List.copyOf(out));
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
