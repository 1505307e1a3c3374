package io.attestream.sealing;

import java.util.List;
import java.util.Optional;

/**
 * Per-subject data keys and the tenant's subject digest; {@link FileKeyStore} is the implementation of the local
 * stack and the tests, a KMS-backed deployment implements {@link MasterKey} and keeps this store (or implements
 * this interface on its own key database).
 *
 * <p>Contract: {@link #destroy} MUST leave no copy of the subject's data keys that this store can read again (in
 * any cache of this process included); afterwards {@link #dataKey} answers empty for those key ids. Copies outside
 * the store (backups, replicas, other processes' caches) are the operator's: docs/privacy.md, "Backups".
 * Implementations MUST be thread-safe.
 */
public interface KeyStore {
    /**
     * The tenant's digest of a subject id (HMAC-SHA-256 under the tenant's subject-digest key, created on first
     * use; never destroyed by an erasure).
     *
     * @return 32 bytes
     */
    byte[] subjectDigest(String tenant, String subjectId) throws SealingException;

    /**
     * The tenant's digest of a subject id without creating anything: empty when the tenant has no subject-digest key
     * in this store (nothing of the tenant was ever sealed under it). Erasure uses it, so that an unknown tenant or
     * subject changes nothing.
     *
     * @return 32 bytes, or empty
     */
    Optional<byte[]> findSubjectDigest(String tenant, String subjectId) throws SealingException;

    /**
     * The subject's current data key, created on first use.
     *
     * @return the key
     */
    DataKey dataKeyFor(String tenant, String subjectId) throws SealingException;

    /**
     * A data key by its id, for opening.
     *
     * @return the key, or empty when it was destroyed or never existed in this store
     */
    Optional<DataKey> dataKey(String tenant, byte[] subjectDigest, String keyId) throws SealingException;

    /**
     * The ids of the subject's keys held now, without changing anything.
     *
     * @return the ids; empty when the store holds no key of the subject
     */
    List<String> keyIds(String tenant, byte[] subjectDigest) throws SealingException;

    /**
     * Destroys every data key of the subject.
     *
     * @return the ids of the keys destroyed
     * @throws UnknownSubjectException when the store holds no key of the subject (nothing changed)
     */
    List<String> destroy(String tenant, byte[] subjectDigest) throws SealingException;

    /**
     * What this store is, for the erasure record, e.g. {@code file} with the master key id.
     *
     * @return a short description without secrets
     */
    String describe();
}
