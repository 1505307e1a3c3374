/**
 * The evidence sink: lands the pipeline's chained events, checkpoints, dead letters, drift alerts and the registry
 * schemas they use into ClickHouse, exactly once in effect. {@link io.attestream.sink.EvidenceSink} runs it,
 * {@link io.attestream.sink.SinkConfig} configures it, {@link io.attestream.sink.SinkCommand} is
 * {@code attestream sink}.
 */
package io.attestream.sink;
