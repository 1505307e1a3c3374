/**
 * Implementation of chdb-server: the JNA binding of libchdb's C API, the engine wrapper that
 * serializes statements and handles chdb's pitfalls, the HTTP front, ClickHouse's compressed
 * block framing and its CityHash128 v1.0.2 checksum.
 */
package io.attestream.deploy.chdb.internal;
