/**
 * Attestream's integrity formats, shared by the chainer (which writes) and the verifier (which
 * checks) so the two can never disagree.
 *
 * <ul>
 *   <li>Hash chains per (tenant, agent) log: {@link io.attestream.integrity.LogId},
 *       {@link io.attestream.integrity.ChainHead}, {@link io.attestream.integrity.ChainEntry}.</li>
 *   <li>RFC 9162 Merkle trees whose leaf data are chain entry hashes:
 *       {@link io.attestream.integrity.CompactMerkleTree} (incremental, O(log n) state),
 *       {@link io.attestream.integrity.MerkleTree} (all leaves, proof generation),
 *       {@link io.attestream.integrity.InclusionProof}, {@link io.attestream.integrity.ConsistencyProof}.</li>
 *   <li>C2SP tlog-checkpoints in signed notes with Ed25519 keys.</li>
 *   <li>Witness cosignatures (C2SP tlog-cosignature/v1) and the tlog-witness add-checkpoint body:
 *       {@link io.attestream.integrity.Cosignature}, {@link io.attestream.integrity.CosignerKey},
 *       {@link io.attestream.integrity.CosignatureVerifier},
 *       {@link io.attestream.integrity.AddCheckpointRequest}.</li>
 *   <li>RFC 3161 timestamps over batches of checkpoints.</li>
 * </ul>
 *
 * <p>Every byte layout is specified in docs/integrity.md and pinned by the test vectors under
 * integrity/src/test/resources/vectors/. Verification never trusts a stored derived value: it
 * recomputes hashes from bytes. Failures are {@link io.attestream.integrity.IntegrityException}s.
 */
package io.attestream.integrity;
