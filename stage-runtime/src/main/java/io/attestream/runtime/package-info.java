/**
 * What every long-running stage (gateway, chainer, drift detector, sink, witness, witness submitter) shares at
 * run time: one way to load configuration ({@link io.attestream.runtime.StageConfigLoader}: {@code --set} &gt;
 * {@code ATTESTREAM_*} environment &gt; {@code --config} file &gt; the local stack's endpoints file &gt; declared
 * defaults, secrets from {@code X.file}), the pass-through of every key a stage does not own to its Kafka clients
 * ({@link io.attestream.runtime.KafkaClientKeys}), and one small HTTP server for {@code /live}, {@code /ready} and
 * {@code /metrics} ({@link io.attestream.runtime.HealthServer}). docs/operations.md is the operator's view.
 */
package io.attestream.runtime;
