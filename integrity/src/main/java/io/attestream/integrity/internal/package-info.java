/**
 * Implementation of the integrity formats: SHA-256 helpers, RFC 9162 tree algorithms, encodings,
 * key files and the RFC 3161 machinery. Not API: only {@code io.attestream.integrity} is.
 */
package io.attestream.integrity.internal;
