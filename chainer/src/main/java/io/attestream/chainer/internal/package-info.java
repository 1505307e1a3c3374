/**
 * Implementation of the chainer: the routing and chaining processors, the per-agent state encoding, the checkpoint
 * notary (signing and batched timestamping), dead-letter records, metrics and the Prometheus endpoint. Not API.
 */
package io.attestream.chainer.internal;
