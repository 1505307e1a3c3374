/** The {@code attestream} command line: wiring of every module's subcommands, nothing else. */
package io.attestream.cli;
