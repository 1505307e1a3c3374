package io.attestream.cli.demo;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.apache.logging.log4j.core.config.Configurator;

/** Sends the libraries' log output of a demo run to a file, so the terminal shows the demo's steps. */
final class DemoLogging {
    static final String FILE_PROPERTY = "attestream.demo.log.file";

    private DemoLogging() {
    }

    /**
     * Reconfigures Log4j 2 with {@code log4j2-demo.xml}: WARN and up (attestream's own loggers: INFO) to
     * {@code file}, ERROR also to stderr.
     */
    static void toFile(Path file) {
        URL config = DemoLogging.class.getResource("/log4j2-demo.xml");
        if (config == null) {
            throw new IllegalStateException("log4j2-demo.xml missing from the classpath");
        }
        System.setProperty(FILE_PROPERTY, file.toAbsolutePath().toString());
        try {
            Configurator.reconfigure(config.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + config, e);
        }
    }
}
