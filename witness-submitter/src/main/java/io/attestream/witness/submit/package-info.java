/**
 * The witness-submitter stage: sends each committed checkpoint to the configured C2SP witnesses with an RFC
 * 9162 consistency proof and publishes their cosignatures (witness-submitter/README.md).
 * {@link io.attestream.witness.submit.CheckpointSubmitter} is the logic (no Kafka),
 * {@link io.attestream.witness.submit.SubmitterStage} the Kafka wiring,
 * {@link io.attestream.witness.submit.WitnessSubmitCommand} is {@code attestream witness-submit}.
 */
package io.attestream.witness.submit;
