/** {@code attestream demo}: the whole pipeline on the embedded stack with a seeded simulated fleet. */
package io.attestream.cli.demo;
