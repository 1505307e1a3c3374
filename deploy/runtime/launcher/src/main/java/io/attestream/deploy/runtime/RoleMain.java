package io.attestream.deploy.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * {@code java -jar attestream-ROLE.jar ARGS}: runs the stage command named in the jar's
 * {@value #ROLE_RESOURCE} (key {@code command}, a picocli command class) with {@code ARGS}, exactly as
 * {@code attestream <subcommand> ARGS} does. Exit codes are the command's; 1 with the message on stderr when it
 * throws.
 */
public final class RoleMain {
    /** Resource of each role module naming its command class. */
    public static final String ROLE_RESOURCE = "/META-INF/attestream-role.properties";

    private RoleMain() {
    }

    /** The command line of the role in this class path; tests run it without exiting the JVM. */
    public static CommandLine commandLine() {
        Properties role = new Properties();
        try (InputStream in = RoleMain.class.getResourceAsStream(ROLE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(ROLE_RESOURCE + " is missing: this jar was not built as a role jar");
            }
            role.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ROLE_RESOURCE, e);
        }
        String command = role.getProperty("command");
        Object instance;
        try {
            instance = Class.forName(command).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | NullPointerException e) {
            throw new IllegalStateException("role command " + command + " in " + ROLE_RESOURCE
                    + " cannot be created", e);
        }
        CommandLine cli = new CommandLine(instance);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
            commandLine.getErr().println(commandLine.getColorScheme().errorText("error: " + message));
            if (Boolean.getBoolean("attestream.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
