/**
 * Implementation of the verifier: the per-agent state machine and its anomaly analysis, the JDBC row
 * source over the evidence sink's tables, JSON and progress output. Not API.
 */
package io.attestream.verifier.internal;
