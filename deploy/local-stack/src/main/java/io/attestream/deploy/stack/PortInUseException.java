package io.attestream.deploy.stack;

import static java.util.Objects.requireNonNull;

/**
 * A port the stack must listen on is already taken by another process.
 */
public final class PortInUseException extends StackException {
    private static final long serialVersionUID = 1L;

    private final int port;
    private final String configKey;

    /**
     * @param port the port that is taken
     * @param configKey the {@link StackConfig} key that sets it
     * @param option the command-line option that sets it
     */
    public PortInUseException(int port, String configKey, String option) {
        super("port " + port + " on 127.0.0.1 (" + requireNonNull(configKey, "configKey")
                + ") is already in use by another process; stop that process or choose another port with "
                + requireNonNull(option, "option") + " (config key " + configKey + ")");
        this.port = port;
        this.configKey = configKey;
    }

    /** @return the port that is taken */
    public int port() {
        return port;
    }

    /** @return the config key that sets the port */
    public String configKey() {
        return configKey;
    }
}
