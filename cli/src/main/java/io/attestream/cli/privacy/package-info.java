/**
 * Sealed personal fields on the reading side and crypto-shredding: {@code attestream erase} (destroy a subject's
 * keys, chain an {@code ErasureRecord}, refuse under a legal hold), {@code attestream export} (events as NDJSON,
 * sealed fields opened with the key store or shown sealed), {@code attestream keystore init}. docs/privacy.md.
 */
package io.attestream.cli.privacy;
