/**
 * A C2SP tlog-witness for Attestream's logs, and its client (docs/integrity.md §6).
 *
 * <p>{@link io.attestream.witness.Witness} cosigns checkpoints consistent with what it cosigned before and
 * keeps that durably; {@link io.attestream.witness.WitnessServer} serves it over HTTP;
 * {@link io.attestream.witness.WitnessCommand} is {@code attestream witness};
 * {@link io.attestream.witness.WitnessClient} submits checkpoints to a witness and checks its cosignature.
 * The formats (cosignature lines, request bodies) come from the integrity library.
 */
package io.attestream.witness;
