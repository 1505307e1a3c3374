/** Throughput benchmark of the verifier against a plain JDBC scan (not part of the build's tests). */
package io.attestream.verifier.bench;
