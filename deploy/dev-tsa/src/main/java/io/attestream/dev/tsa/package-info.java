/**
 * A self-signed RFC 3161 timestamp authority for development: the local stack, the demo and tests.
 *
 * <p>Not evidence: the operator holds the TSA key and mints its CA, so its tokens prove nothing to an
 * auditor. Production deployments use an independent TSA through
 * {@link io.attestream.integrity.HttpTimestampAuthority}. Verification lives in the integrity library
 * ({@link io.attestream.integrity.TimestampVerifier}); this package only issues tokens.
 */
package io.attestream.dev.tsa;
