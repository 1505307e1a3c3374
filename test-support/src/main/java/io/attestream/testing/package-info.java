/**
 * Helpers for the tests of every module; never on a runtime classpath (modules depend on this with
 * test scope, and the build's enforcer rule keeps JUnit out of compile and runtime scope elsewhere).
 */
package io.attestream.testing;
