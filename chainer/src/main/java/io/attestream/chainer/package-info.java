/**
 * The chainer: an exactly-once Kafka Streams application that gives every (tenant, agent) one gapless hash chain,
 * writes each event with its seq and hashes, refuses bad records to a dead-letter topic, and emits signed,
 * RFC 3161-timestamped Merkle checkpoints. Entry points: {@link io.attestream.chainer.ChainerTopology#buildTopology},
 * {@link io.attestream.chainer.ChainerCommand}, {@link io.attestream.chainer.ChainerMain}; configuration:
 * {@link io.attestream.chainer.ChainerConfig}.
 */
package io.attestream.chainer;
