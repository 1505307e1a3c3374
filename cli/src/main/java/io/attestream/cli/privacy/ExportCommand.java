package io.attestream.cli.privacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.SealedField;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.sealing.EventOpener;
import io.attestream.sealing.FileKeyStore;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream export}: a tenant's stored events as NDJSON for auditors, sealed fields opened with the key
 * store (or shown sealed without it). Reading only; the verifier never needs this.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a tenant's (or one agent's) stored events as NDJSON, one event per line in the gateway's"
                + " JSON shape with its seq; with --keystore and --master-key the sealed personal fields are opened"
                + " (status OPENED, or ERASED once the subject was erased), without them they stay sealed.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written", "1:failed (ClickHouse, key store, I/O)", "2:invalid command line"})
public final class ExportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--tenant", required = true, description = "Tenant to export.")
    String tenant;

    @Option(names = "--agent", description = "Only this agent.")
    String agent;

    @Option(names = "--out", required = true, paramLabel = "FILE.ndjson", description = "Where to write.")
    Path out;

    @Mixin
    PrivacyOptions options = new PrivacyOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Optional<FileKeyStore> keys;
        try {
            keys = options.keyStore();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        EventOpener opener = keys.map(EventOpener::new).orElse(null);
        Map<EventOpener.Status, Integer> counts = new EnumMap<>(EventOpener.Status.class);
        int sealedCount = 0;
        List<StoredEvents.Row> rows;
        try (Connection jdbc = options.connect()) {
            rows = new StoredEvents(jdbc, options.database).read(tenant, agent, null);
        }
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (StoredEvents.Row row : rows) {
                ObjectNode line = JSON.createObjectNode();
                line.put("tenant", tenant).put("agentId", row.agentId()).put("seq", row.seq());
                ArrayNode fields = JSON.createArrayNode();
                if (opener != null && !row.event().getSealed().isEmpty()) {
                    EventOpener.Opened opened = opener.open(row.event());
                    line.set("event", JsonEventMapper.toJson(opened.event()));
                    for (EventOpener.FieldResult f : opened.fields()) {
                        fields.addObject().put("field", f.field()).put("status", f.status().name())
                                .put("keyId", f.keyId()).put("subjectDigest", f.subjectDigest());
                        counts.merge(f.status(), 1, Integer::sum);
                    }
                } else {
                    line.set("event", JsonEventMapper.toJson(row.event()));
                    for (SealedField f : row.event().getSealed()) {
                        fields.addObject().put("field", f.getField()).put("status", "SEALED")
                                .put("keyId", f.getKeyId())
                                .put("subjectDigest", HexFormat.of().formatHex(f.getSubjectDigest().bytes()));
                        sealedCount++;
                    }
                }
                line.set("sealedFields", fields);
                w.write(JSON.writeValueAsString(line));
                w.newLine();
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("wrote " + rows.size() + " events of " + tenant + (agent == null ? "" : "/" + agent) + " to "
                + out + "; sealed fields: " + (opener == null ? sealedCount + " left sealed (no key store given)"
                : counts.isEmpty() ? "none" : counts.toString()));
        stdout.flush();
        return 0;
    }
}
