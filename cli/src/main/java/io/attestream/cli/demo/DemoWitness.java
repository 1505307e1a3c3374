package io.attestream.cli.demo;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import io.attestream.witness.submit.SubmitterStage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The demo's witness (docs/integrity.md §6): a C2SP witness with its own key and state in {@code demo/witness},
 * trusting the demo chainer's key for every {@code attestream/*} log, and the witness submitter feeding it. In
 * a real deployment someone other than the operator runs the witness; here it shows the mechanism.
 */
final class DemoWitness {
    static final String NAME = "witness.attestream.local/demo";
    static final String KEY_FILE = "attestream-demo-witness.key";
    static final String VKEY_FILE = "attestream-demo-witness.cosigner.vkey";

    private final CosignerKey cosignerKey;
    private final VerifierKey logKey;

    private DemoWitness(CosignerKey cosignerKey, VerifierKey logKey) {
        this.cosignerKey = cosignerKey;
        this.logKey = logKey;
    }

    /** Starts the witness on a free port and the submitter, both stopped through {@code stops}. */
    static DemoWitness start(StackEndpoints stack, Path demoDir, Path keys, SchemaRegistryClient registry,
            List<Runnable> stops, AtomicReference<Throwable> failure, Consumer<String> note) throws IOException {
        Path keyFile = keys.resolve(KEY_FILE);
        if (!Files.exists(keyFile)) {
            SigningKey.generate(NAME, new SecureRandom()).writePrivatePem(keyFile);
        }
        SigningKey key = SigningKey.readPkcs8Pem(NAME, keyFile);
        CosignerKey cosigner = CosignerKey.of(key);
        Files.writeString(keys.resolve(VKEY_FILE), cosigner.toVkey() + "\n", StandardCharsets.UTF_8);
        VerifierKey logKey = VerifierKey.readVkey(keys.resolve("attestream-demo.vkey"));
        Witness witness = Witness.open(key, List.of(new WitnessedLog("attestream/*", List.of(logKey))),
                demoDir.resolve("witness"), Clock.systemUTC());
        WitnessServer server = WitnessServer.start(witness, new InetSocketAddress("127.0.0.1", 0), 2);
        stops.add(server::close);
        SubmitterStage stage = new SubmitterStage(stack.bootstrapServers(), registry, SubmitterStage.StageTopics.STANDARD,
                List.of(new WitnessClient(server.uri(), cosigner, Duration.ofSeconds(10))), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Clock.systemUTC());
        Thread thread = new Thread(() -> {
            try {
                stage.run();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }, "demo-witness-submitter");
        thread.start();
        stops.add(0, () -> {
            stage.stop();
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stage.close();
        });
        note.accept("witness " + NAME + " at " + server.uri() + " (state " + demoDir.resolve("witness")
                + ", cosigner key " + keys.resolve(VKEY_FILE) + ") and the witness submitter running");
        return new DemoWitness(cosigner, logKey);
    }

    /**
     * Waits until every landed checkpoint has a landed cosignature, then checks the newest one of one log: the
     * chainer's note from {@code checkpoints} plus the line from {@code checkpoint_attestations}.
     *
     * @return the number of witnessed checkpoints (0: none, the demo fails)
     */
    long awaitAndShow(Connection jdbc, AtomicReference<Throwable> failure, Consumer<String> note)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long unwitnessed = -1;
        long witnessed = 0;
        try (Statement s = jdbc.createStatement()) {
            while (System.nanoTime() < deadline && failure.get() == null) {
                try (ResultSet rs = s.executeQuery("SELECT countIf((tenant, agent_id, tree_size) NOT IN (SELECT tenant,"
                        + " agent_id, tree_size FROM attestream.checkpoint_attestations WHERE witness_name = '" + NAME
                        + "')), count() FROM attestream.checkpoints")) {
                    rs.next();
                    unwitnessed = rs.getLong(1);
                    witnessed = rs.getLong(2) - unwitnessed;
                }
                if (unwitnessed == 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            note.accept(unwitnessed == 0 ? "every one of " + witnessed + " checkpoints is cosigned by " + NAME
                    : unwitnessed + " checkpoint(s) not cosigned yet, " + witnessed + " cosigned by " + NAME);
            try (ResultSet rs = s.executeQuery("SELECT c.note, a.cosignature FROM attestream.checkpoints c INNER JOIN"
                    + " attestream.checkpoint_attestations a ON c.tenant = a.tenant AND c.agent_id = a.agent_id"
                    + " AND c.tree_size = a.tree_size AND c.root_hash = a.root_hash WHERE a.witness_name = '" + NAME
                    + "' ORDER BY a.cosigned_at DESC, c.tree_size DESC LIMIT 1")) {
                if (!rs.next()) {
                    return 0;
                }
                SignedCheckpoint signed = CheckpointVerifier.of(logKey).verify(rs.getString(1));
                Checkpoint c = signed.checkpoint();
                NoteSignature line = NoteSignature.parse(rs.getString(2), "checkpoint_attestations");
                List<Cosignature> ok = CosignatureVerifier.of(List.of(cosignerKey)).verify(c, List.of(line));
                if (ok.isEmpty()) {
                    return 0;
                }
                note.accept("witnessed checkpoint of " + c.origin() + " at size " + c.treeSize() + ", cosigned "
                        + ok.get(0).time() + ", verified with " + VKEY_FILE + ":\n"
                        + signed.withSignatures(List.of(line)).text().strip().indent(6).stripTrailing());
            }
        }
        return witnessed;
    }
}
