/**
 * JUnit 5 support: {@link io.attestream.deploy.stack.junit.LocalStackExtension} gives integration
 * tests a running stack, embedded (started once per test JVM) or external (named by environment
 * variables).
 */
package io.attestream.deploy.stack.junit;
