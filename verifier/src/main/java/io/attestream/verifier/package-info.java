/**
 * The auditor's verifier: re-verifies what the evidence sink stored in ClickHouse, trusting only the
 * checkpoint verifier keys and TSA certificates it is given.
 *
 * <p>{@link io.attestream.verifier.ChainVerifier} is a pure streaming state machine over one agent's
 * rows in seq order ({@link io.attestream.verifier.EventRow}, {@link io.attestream.verifier.CheckpointRow}):
 * it recomputes every chain hash and the Merkle root at every checkpoint, verifies checkpoint signatures
 * and timestamp tokens, and reports each {@link io.attestream.verifier.Finding} with tenant, agent, seq and
 * {@link io.attestream.verifier.FindingKind}. The picocli commands {@link io.attestream.verifier.VerifyCommand},
 * {@link io.attestream.verifier.ProveCommand} and {@link io.attestream.verifier.CheckProofCommand} put a
 * JDBC row source in front of it.
 */
package io.attestream.verifier;
