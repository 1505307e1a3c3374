package io.attestream.deploy.stack.internal;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.StackException;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.KeyPairFiles;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The stack's witness ({@code attestream witness}, C2SP tlog-witness, docs/integrity.md §6) in its own JVM. Its
 * Ed25519 key is generated on first start as {@code witness/witness.key} (PKCS#8, owner-only) and its cosigner vkey
 * written next to it ({@code witness/witness.cosigner.vkey}: what the submitter and verifiers are given); its
 * per-log state is {@code witness/state/}. It cosigns every {@code attestream/*} log signed by one of
 * {@link StackConfig#effectiveWitnessLogKeys()}; by default the demo chainer's key, which is created here when
 * missing so that {@code attestream demo} (which keeps an existing key) and the witness agree from the start.
 *
 * <p>A witness is meant to be run by someone other than the operator; on one developer machine it is the same
 * person, so this one shows the mechanism and gives {@code witness-submit} and {@code verify --witness-key} a real
 * endpoint, nothing more (docs/auditor-guide.md, threat model).
 */
public final class WitnessService extends Service {
    /** The cosigner name of the stack's witness. */
    public static final String NAME = "witness.attestream.local/stack";
    /** Origin pattern of every Attestream log. */
    public static final String LOGS = "attestream/*";
    private static final String HEAP = "-Xmx64m";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param config the stack settings */
    public WitnessService(StackConfig config) {
        super(config, "witness");
    }

    @Override
    public List<Port> ports() {
        return List.of(new Port(config.witnessPort(), StackConfig.WITNESS_PORT_CONFIG));
    }

    @Override
    public void install(Consumer<String> progress) {
        ChildClasspath.require("io.attestream.witness.WitnessMain", "the stack's witness needs attestream-witness on "
                + "the classpath (a dependency of attestream-local-stack)");
    }

    /** @return the witness's private key file */
    public Path keyFile() {
        return dir().resolve("witness.key");
    }

    /** @return the cosigner vkey file (type 0x04) */
    public Path vkeyFile() {
        return dir().resolve("witness.cosigner.vkey");
    }

    @Override
    public List<String> prepare(Consumer<String> progress) {
        createDir();
        SigningKey key;
        try {
            if (!Files.exists(keyFile())) {
                SigningKey.generate(NAME, new SecureRandom()).writePrivatePem(keyFile());
                progress.accept("generated the witness key " + keyFile() + " (" + NAME + ")");
            }
            key = SigningKey.readPkcs8Pem(NAME, keyFile());
            Files.writeString(vkeyFile(), CosignerKey.of(key).toVkey() + "\n", StandardCharsets.UTF_8);
        } catch (IntegrityException | IOException e) {
            throw new StackException("cannot set up the witness key in " + dir() + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>(List.of(JavaRuntimes.current().java().toString(), HEAP,
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.timezone=UTC",
                "-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider", "-Dorg.apache.logging.log4j.level=INFO",
                ChildClasspath.argFile(dir().resolve("classpath.args")), "io.attestream.witness.WitnessMain",
                "--key", keyFile().toString(), "--name", NAME, "--dir", dir().resolve("state").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(config.witnessPort()), "--threads", "2"));
        for (Path vkey : logKeys(progress)) {
            cmd.add("--log");
            cmd.add(LOGS + "=" + vkey);
        }
        return cmd;
    }

    private List<Path> logKeys(Consumer<String> progress) {
        List<Path> keys = config.effectiveWitnessLogKeys();
        Path demo = config.defaultWitnessLogKey();
        if (config.witnessLogKeys().isEmpty() && !Files.exists(demo)) {
            try {
                KeyPairFiles.generate(demo.getParent(), "attestream-demo", new SecureRandom());
            } catch (IntegrityException e) {
                throw new StackException("cannot create the demo chainer key in " + demo.getParent() + ": "
                        + e.getMessage(), e);
            }
            progress.accept("generated the demo chainer key " + demo + " (the witness trusts it; "
                    + StackConfig.optionFor(StackConfig.WITNESS_LOG_KEYS_CONFIG) + " names others)");
        }
        for (Path k : keys) {
            try {
                VerifierKey.readVkey(k);
            } catch (IntegrityException e) {
                throw new StackException("witness log key " + k + ": " + e.getMessage() + " (key "
                        + StackConfig.WITNESS_LOG_KEYS_CONFIG + ", option "
                        + StackConfig.optionFor(StackConfig.WITNESS_LOG_KEYS_CONFIG) + ")", e);
            }
        }
        return keys;
    }

    @Override
    public void awaitReady(ProcessHandle process, Instant deadline) {
        String problem = "port " + config.witnessPort() + " not open";
        while (true) {
            checkStillStarting(process, deadline, problem);
            if (Ports.answers(config.witnessPort())) {
                try {
                    // Any HTTP answer: the witness serves add-checkpoint and per-log checkpoints, nothing at /.
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url())).GET()
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() > 0) {
                        return;
                    }
                } catch (IOException e) {
                    problem = "GET /: " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StackException("interrupted while waiting for the witness", e);
                }
            }
            pause();
        }
    }

    private String url() {
        return "http://127.0.0.1:" + config.witnessPort() + "/";
    }

    /**
     * The endpoints-file keys of a stack's witness.
     *
     * @param config the stack settings (the ports that run)
     * @return {@link StackEndpoints#WITNESS_URL_KEY} and {@link StackEndpoints#WITNESS_VKEY_KEY}
     */
    public static Map<String, String> endpointProperties(StackConfig config) {
        WitnessService w = new WitnessService(config);
        return Map.of(StackEndpoints.WITNESS_URL_KEY, w.url(), StackEndpoints.WITNESS_VKEY_KEY,
                w.vkeyFile().toString());
    }

    @Override
    public String endpoint() {
        return url() + " (" + NAME + ", cosigner vkey " + vkeyFile() + ", trusts " + config.effectiveWitnessLogKeys()
                + ")";
    }
}
