package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import java.util.HexFormat;

/**
 * A subject's data key, unwrapped. Holds key material: never log it, never keep it longer than needed.
 *
 * @param keyId the key's id, written into each {@code SealedField}
 * @param subjectDigest the subject's digest (32 bytes)
 * @param key the 32-byte AES key
 */
public record DataKey(String keyId, byte[] subjectDigest, byte[] key) {
    public DataKey {
        requireNonNull(keyId, "keyId");
        requireNonNull(subjectDigest, "subjectDigest");
        requireNonNull(key, "key");
        if (key.length != SealedFields.KEY_BYTES || subjectDigest.length != 32) {
            throw new IllegalArgumentException("data key must be 32 bytes and subject digest 32 bytes");
        }
        subjectDigest = subjectDigest.clone();
        key = key.clone();
    }

    @Override
    public byte[] subjectDigest() {
        return subjectDigest.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public String toString() {
        return "DataKey[" + keyId + ", subject " + HexFormat.of().formatHex(subjectDigest) + "]";
    }
}
