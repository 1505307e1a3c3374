package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.events.SealAlgorithm;
import io.attestream.events.SealedField;
import io.attestream.events.Sha256;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificData;

/**
 * Seals the fields marked personal of an event before it leaves the producer (docs/privacy.md): each present
 * field's cleartext is removed and a {@code SealedField} under the subject's data key is appended to
 * {@code sealed}. Thread-safe.
 */
public final class EventSealer {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final KeyStore keys;
    private final List<FieldPath> fields;

    /**
     * @param keys where subjects' data keys come from
     * @param fields the paths marked personal ({@link FieldPath#parse})
     */
    public EventSealer(KeyStore keys, List<FieldPath> fields) {
        this.keys = requireNonNull(keys, "keys");
        this.fields = List.copyOf(requireNonNull(fields, "fields"));
    }

    /** The paths this sealer seals. */
    public List<FieldPath> fields() {
        return fields;
    }

    /** Whether {@code event} holds cleartext in a field marked personal. */
    public boolean hasPersonalContent(AuditEvent event) {
        for (FieldPath f : fields) {
            if (f.get(event) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Seals the personal fields of {@code event}.
     *
     * @param event the event (not modified)
     * @param subjectId the data subject the content is about; may be null only when the event holds no personal
     *     content
     * @return a copy with the present personal fields sealed, or {@code event} itself when there is none
     * @throws SealingException when there is personal content but no subject, or the key store fails
     */
    public AuditEvent seal(AuditEvent event, String subjectId) throws SealingException {
        requireNonNull(event, "event");
        if (!hasPersonalContent(event)) {
            return event;
        }
        if (subjectId == null || subjectId.isBlank()) {
            List<String> present = fields.stream().filter(f -> f.get(event) != null).map(FieldPath::path).toList();
            throw new SealingException("event " + event.getEventId() + " has personal content in " + present
                    + " but names no subject: give the subject the content is about (SDK: EventBuilder.subject, "
                    + "gateway: \"subject\")");
        }
        DataKey key = keys.dataKeyFor(event.getTenant(), subjectId);
        AuditEvent copy = SpecificData.get().deepCopy(AuditEvent.getClassSchema(), event);
        List<SealedField> sealed = new ArrayList<>(copy.getSealed());
        String eventId = copy.getEventId().toString();
        byte[] digest = key.subjectDigest();
        byte[] k = key.key();
        for (FieldPath f : fields) {
            String value = f.get(copy);
            if (value == null) {
                continue;
            }
            byte[] nonce = new byte[SealedFields.NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            byte[] aad = SealedFields.aad(copy.getTenant(), copy.getAgentId(), eventId, f.path(), key.keyId(), digest);
            byte[] ct = SealedFields.seal(k, nonce, aad, value);
            f.set(copy, null);
            sealed.add(new SealedField(f.path(), new Sha256(digest), key.keyId(), SealAlgorithm.AES_256_GCM_V1,
                    ByteBuffer.wrap(nonce), ByteBuffer.wrap(ct)));
        }
        java.util.Arrays.fill(k, (byte) 0);
        copy.setSealed(sealed);
        return copy;
    }
}
