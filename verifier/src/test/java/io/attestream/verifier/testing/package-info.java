/** Realistic chained evidence built with the integrity library, for the verifier's tests and benchmark. */
package io.attestream.verifier.testing;
