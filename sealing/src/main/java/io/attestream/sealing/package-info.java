/**
 * Sealed personal fields (crypto-shredding): AES-256-GCM under a per-subject data key, the key store that
 * holds those keys, and the sealing and opening of {@code AuditEvent}s.
 *
 * <ul>
 *   <li>{@link io.attestream.sealing.SealedFields}: the byte format of one sealed field and its additional
 *       authenticated data (docs/integrity.md, "Sealed fields", with a test vector).</li>
 *   <li>{@link io.attestream.sealing.KeyStore}: per-subject data keys (create, get, destroy) and the
 *       tenant's subject digest; {@link io.attestream.sealing.FileKeyStore} keeps them in a directory,
 *       wrapped by a {@link io.attestream.sealing.MasterKey} (envelope encryption; the KMS integration
 *       point).</li>
 *   <li>{@link io.attestream.sealing.EventSealer} seals the fields marked personal before an event leaves the
 *       producer; {@link io.attestream.sealing.EventOpener} restores them for readers holding the keys.</li>
 * </ul>
 *
 * <p>A pure library: no config keys, no server. The verifier never uses it: the chain hashes the event bytes as
 * written, ciphertext included (docs/privacy.md).
 */
package io.attestream.sealing;
