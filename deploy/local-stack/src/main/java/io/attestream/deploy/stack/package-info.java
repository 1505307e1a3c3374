/**
 * The embedded local stack: a real Kafka broker (KRaft), an Apicurio schema registry and the
 * ClickHouse HTTP front over libchdb, each a child process bound to 127.0.0.1 with its data, PID
 * and log under one stack directory.
 *
 * <p>{@link io.attestream.deploy.stack.LocalStack} starts, stops and inspects the stack;
 * {@link io.attestream.deploy.stack.StackConfig} holds its settings;
 * {@link io.attestream.deploy.stack.StackEndpoints} is what clients need to reach it (written to
 * {@code endpoints.properties} in the stack directory); {@link io.attestream.deploy.stack.StackCommand}
 * is the {@code attestream stack up|down|status|fetch} command.
 */
package io.attestream.deploy.stack;
