/** JMH benchmarks of the integrity hot paths; run by exec:exec@bench, never by ./mvnw verify. */
package io.attestream.integrity.bench;
