/** JMH benchmarks of the integrity hot paths; run by exec:exec@bench, never by mvn verify. */
package io.attestream.integrity.bench;
