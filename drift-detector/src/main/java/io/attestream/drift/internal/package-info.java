/**
 * Implementation of the drift detector: bounded window summaries ({@link io.attestream.drift.internal.Moments},
 * {@link io.attestream.drift.internal.QuantileSketch}), the two-sample tests, Page-Hinkley, the decision rule, the
 * Streams processor and its state codec, and the seeded synthetic generator used by tests and the calibration
 * benchmark. Nothing here is API.
 */
package io.attestream.drift.internal;
