package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The sealed-field format {@code AES_256_GCM_V1} (docs/integrity.md, "Sealed fields"): a public contract,
 * pinned by a test vector that an independent Python implementation checks.
 *
 * <pre>
 * key        = the subject's 32-byte data key
 * nonce      = 12 random bytes, new for every field
 * aad        = lp("attestream/sealed-field/v1") || lp(tenant) || lp(agentId) || lp(eventId)
 *              || lp(field) || lp(keyId) || lp(subjectDigest)
 *              where lp(x) = 4-byte big-endian length of x || x, strings as UTF-8
 * ciphertext = AES-256-GCM(key, nonce, aad, UTF-8 cleartext) || 16-byte tag
 * </pre>
 *
 * <p>The AAD binds the ciphertext to its event and field: moved to another event, tenant, agent or field, or
 * presented under another key id or subject, it does not open. The subject digest is
 * HMAC-SHA-256(tenant subject-digest key, UTF-8 subject id) ({@link #subjectDigest}).
 */
public final class SealedFields {
    /** The first AAD component; a new format gets a new label. */
    public static final String AAD_LABEL = "attestream/sealed-field/v1";
    public static final int KEY_BYTES = 32;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;

    private SealedFields() {
    }

    /**
     * The additional authenticated data of one sealed field.
     *
     * @return the AAD bytes
     */
    public static byte[] aad(String tenant, String agentId, String eventId, String field, String keyId,
            byte[] subjectDigest) {
        requireNonNull(subjectDigest, "subjectDigest");
        if (subjectDigest.length != 32) {
            throw new IllegalArgumentException("subjectDigest must be 32 bytes, got " + subjectDigest.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        for (String s : new String[] {AAD_LABEL, requireNonNull(tenant, "tenant"), requireNonNull(agentId, "agentId"),
            requireNonNull(eventId, "eventId"), requireNonNull(field, "field"), requireNonNull(keyId, "keyId")}) {
            lengthPrefixed(out, s.getBytes(StandardCharsets.UTF_8));
        }
        lengthPrefixed(out, subjectDigest);
        return out.toByteArray();
    }

    private static void lengthPrefixed(ByteArrayOutputStream out, byte[] b) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
        out.writeBytes(b);
    }

    /**
     * Seals one cleartext.
     *
     * @param key the 32-byte data key
     * @param nonce 12 bytes, never reused with the same key
     * @param aad from {@link #aad}
     * @param cleartext the field's value
     * @return ciphertext followed by the 16-byte tag
     */
    public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, String cleartext) {
        requireNonNull(cleartext, "cleartext");
        try {
            return cipher(Cipher.ENCRYPT_MODE, key, nonce, aad).doFinal(cleartext.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    /**
     * Opens one sealed field.
     *
     * @return the cleartext
     * @throws SealingException when the tag does not verify (wrong key, wrong AAD: moved or altered ciphertext)
     *     or the cleartext is not UTF-8
     */
    public static String open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) throws SealingException {
        requireNonNull(ciphertext, "ciphertext");
        if (ciphertext.length < TAG_BYTES) {
            throw new SealingException("sealed field too short: " + ciphertext.length + " bytes, the tag alone is "
                    + TAG_BYTES);
        }
        byte[] plain;
        try {
            plain = cipher(Cipher.DECRYPT_MODE, key, nonce, aad).doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new SealingException("sealed field does not open: wrong key, or ciphertext altered or moved to "
                    + "another event or field (GCM tag mismatch)");
        } catch (GeneralSecurityException e) {
            throw new SealingException("sealed field does not open: " + e.getMessage(), e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(plain)).toString();
        } catch (CharacterCodingException e) {
            throw new SealingException("sealed field opened but its cleartext is not UTF-8");
        }
    }

    /**
     * HMAC-SHA-256 of the UTF-8 subject id under the tenant's subject-digest key.
     *
     * @param digestKey the tenant's 32-byte subject-digest key
     * @param subjectId the data subject's id, e.g. a user id
     * @return 32 bytes
     */
    public static byte[] subjectDigest(byte[] digestKey, String subjectId) {
        requireNonNull(subjectId, "subjectId");
        checkKey(digestKey);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(digestKey, "HmacSHA256"));
            return mac.doFinal(subjectId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available in this JVM", e);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce, byte[] aad) throws GeneralSecurityException {
        checkKey(key);
        requireNonNull(nonce, "nonce");
        requireNonNull(aad, "aad");
        if (nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("nonce must be " + NONCE_BYTES + " bytes, got " + nonce.length);
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
        c.updateAAD(aad);
        return c;
    }

    private static void checkKey(byte[] key) {
        requireNonNull(key, "key");
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("key must be " + KEY_BYTES + " bytes, got " + key.length);
        }
    }
}
