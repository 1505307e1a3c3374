package io.attestream.sealing;

/**
 * The key that wraps every data key (envelope encryption): the KMS integration point.
 *
 * <p>{@link LocalMasterKey} wraps with AES-256-GCM under a 32-byte key file. A KMS implementation maps
 * {@link #wrap} to the KMS's encrypt call and {@link #unwrap} to its decrypt call, passing {@code context} as the
 * encryption context / additional authenticated data (AWS KMS {@code Encrypt}/{@code Decrypt} with
 * {@code EncryptionContext}, Google Cloud KMS {@code additionalAuthenticatedData}, Vault transit
 * {@code context}); the master key then never leaves the KMS, and the KMS's audit log records every unwrap.
 *
 * <p>Implementations MUST be thread-safe. {@link #unwrap} MUST fail (never return other bytes) when the wrapped
 * bytes or the context were altered.
 */
public interface MasterKey {
    /**
     * A stable id of this master key, stored next to each wrapped key, so that a store opened with the wrong master
     * key fails with a clear message, e.g. {@code local:3f2a...} or {@code kms:arn:aws:kms:...}.
     *
     * @return the id
     */
    String id();

    /**
     * Wraps a data key.
     *
     * @param dataKey the key
     * @param context bound to the wrapped bytes (tenant and key id)
     * @return the wrapped key
     * @throws SealingException when the KMS cannot be reached or refuses
     */
    byte[] wrap(byte[] dataKey, byte[] context) throws SealingException;

    /**
     * Unwraps a data key.
     *
     * @throws SealingException when the bytes or the context do not match what was wrapped, or the KMS fails
     */
    byte[] unwrap(byte[] wrapped, byte[] context) throws SealingException;
}
