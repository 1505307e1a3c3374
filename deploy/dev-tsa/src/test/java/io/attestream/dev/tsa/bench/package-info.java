/** JMH benchmarks of RFC 3161 issuing and verification with the development TSA; never run by verify. */
package io.attestream.dev.tsa.bench;
