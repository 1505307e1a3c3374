/**
 * The main class of the role jars (deploy/runtime): runs the one stage command its jar was built for, as the
 * {@code attestream} CLI would run that subcommand, without the CLI's local stack.
 */
package io.attestream.deploy.runtime;
