/**
 * The drift detector: a Kafka Streams app over the chained topic that compares windows of each agent version's
 * EvalResult metrics with a reference (previous window, pinned baseline, previous version) and writes DriftAlert /
 * DriftRecovered records to the alerts topic and, as audit events, into the chain input. Entry points:
 * {@link io.attestream.drift.DriftTopology#buildTopology}, {@link io.attestream.drift.DriftApp},
 * {@link io.attestream.drift.DriftCommand}; configuration {@link io.attestream.drift.DriftConfig}.
 */
package io.attestream.drift;
