package io.attestream.deploy.stack.internal;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Apicurio Registry, whose Confluent-compatible API ({@code /apis/ccompat/v7}) is the schema
 * registry of the stack. Version 3.3.3 needs Java 21+: the newest JDK found is used (or
 * {@link StackConfig#REGISTRY_JAVA_CONFIG}); without one, 2.6.13.Final runs on Java 17 with a printed
 * note. 3.x keeps its data in an H2 file under the service directory, so schemas and their ids
 * survive restarts; 2.x keeps them in memory only.
 */
public final class RegistryService extends Service {
    /** Distribution run on Java 21+. */
    public static final Downloads.Artifact V3 =
            new Downloads.Artifact("io.apicurio", "apicurio-registry-app", "3.3.3", "all", "tar.gz");
    /** Fallback distribution run on Java 17. */
    public static final Downloads.Artifact V2 =
            new Downloads.Artifact("io.apicurio", "apicurio-registry-app", "2.6.13.Final", "all", "tar.gz");
    private static final String HEAP = "-Xmx256m";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private JavaRuntimes.Jdk jdk;

    /** @param config the stack settings */
    public RegistryService(StackConfig config) {
        super(config, "registry");
    }

    /** @return the JDK the registry runs on (found once) */
    public synchronized JavaRuntimes.Jdk jdk() {
        if (jdk == null) {
            jdk = config.registryJava().map(JavaRuntimes::at)
                    .orElseGet(() -> JavaRuntimes.newestAtLeast(21).orElse(JavaRuntimes.current()));
        }
        return jdk;
    }

    /** @return whether the 3.x distribution can run (a Java 21+ was found) */
    public boolean modern() {
        return jdk().feature() >= 21;
    }

    /** @return the distribution to run */
    public Downloads.Artifact artifact() {
        return modern() ? V3 : V2;
    }

    private Path installDir() {
        return config.cacheDir().resolve("apicurio-registry-" + artifact().version());
    }

    @Override
    public List<Port> ports() {
        if (modern()) {
            return List.of(new Port(config.registryPort(), StackConfig.REGISTRY_PORT_CONFIG),
                    new Port(config.registryManagementPort(), StackConfig.REGISTRY_MANAGEMENT_PORT_CONFIG));
        }
        return List.of(new Port(config.registryPort(), StackConfig.REGISTRY_PORT_CONFIG));
    }

    @Override
    public void install(Consumer<String> progress) {
        if (!modern()) {
            progress.accept("note: no Java 21+ found (searched $JAVA_HOME, /usr/lib/jvm, this JVM "
                    + jdk().home() + "); running Apicurio Registry " + V2.version() + " on Java " + jdk().feature()
                    + " instead of " + V3.version() + ". Its schemas live in memory and are lost on restart. "
                    + "Install a JDK 21+ or point " + StackConfig.REGISTRY_JAVA_CONFIG + " (--registry-java) at one.");
        }
        Downloads.ensureUnpacked(artifact(), installDir(), config.cacheDir(), progress);
    }

    @Override
    public List<String> prepare(Consumer<String> progress) {
        createDir();
        Path tmp = dir().resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new StackException("cannot create " + tmp + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(jdk().java().toString());
        cmd.add(HEAP);
        // The registry serves a handful of requests: C1 and the serial GC halve its boot CPU, which
        // matters on two cores where Kafka and the ClickHouse front boot at the same time.
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        if (jdk().feature() >= 19) {
            // Class-data archive written at the first clean exit, reused by later starts (≈ -25 %).
            cmd.add("-XX:+AutoCreateSharedArchive");
            cmd.add("-XX:SharedArchiveFile=" + dir().resolve("registry-jdk" + jdk().feature() + ".jsa"));
        }
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.add("-Dquarkus.http.port=" + config.registryPort());
        cmd.add("-Dquarkus.log.console.color=false");
        if (modern()) {
            cmd.add("-Dquarkus.management.host=127.0.0.1");
            cmd.add("-Dquarkus.management.port=" + config.registryManagementPort());
            cmd.add("-Dapicurio.datasource.url=jdbc:h2:file:" + dir().resolve("data").resolve("registry"));
            // The default pool of 20 connections costs memory and start time for one local user.
            cmd.add("-Dapicurio.datasource.jdbc.initial-size=2");
            cmd.add("-Dapicurio.datasource.jdbc.min-size=2");
            cmd.add("-Dapicurio.datasource.jdbc.max-size=20");
            cmd.add("-Dapicurio.storage.snapshot.location=" + tmp);
            cmd.add("-jar");
            cmd.add(installDir().resolve("quarkus-run.jar").toString());
        } else {
            cmd.add("-jar");
            cmd.add(installDir().resolve("apicurio-registry-app-" + V2.version() + "-runner.jar").toString());
        }
        return cmd;
    }

    /** @return the Confluent-compatible base URL */
    public String ccompatUrl() {
        return "http://127.0.0.1:" + config.registryPort() + "/apis/ccompat/v7";
    }

    @Override
    public void awaitReady(ProcessHandle process, Instant deadline) {
        String problem = "port " + config.registryPort() + " not open";
        while (true) {
            checkStillStarting(process, deadline, problem);
            if (Ports.answers(config.registryPort())) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                    problem = "GET /subjects answered HTTP " + r.statusCode();
                } catch (IOException e) {
                    problem = "GET /subjects: " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StackException("interrupted while waiting for the registry", e);
                }
            }
            pause();
        }
    }

    /** Sets the global compatibility to BACKWARD, Confluent's default (Apicurio's is NONE). */
    @Override
    public void afterReady() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ccompatUrl() + "/config"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().contains("BACKWARD")) {
                throw new StackException("registry refused global compatibility BACKWARD: HTTP " + r.statusCode()
                        + " " + r.body());
            }
        } catch (IOException e) {
            throw new StackException("cannot set the registry's global compatibility: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while configuring the registry", e);
        }
    }

    @Override
    public String endpoint() {
        return ccompatUrl() + " (Apicurio Registry " + artifact().version() + " on Java " + jdk().feature() + ")";
    }
}
