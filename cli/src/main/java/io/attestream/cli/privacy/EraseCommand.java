package io.attestream.cli.privacy;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.sealing.FileKeyStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream erase}: crypto-shredding of one data subject ({@link Erasure}); GDPR Art. 17, ISO/IEC 27001
 * A.5.34. docs/privacy.md.
 */
@Command(name = "erase", mixinStandardHelpOptions = true,
        description = "Erase a data subject: refuse if a legal hold covers the subject's sealed events, destroy the"
                + " subject's keys in the key store (every copy it holds), then chain an ErasureRecord (subject digest,"
                + " key ids, who, why) on the tenant's log attestream.privacy through the SDK. Afterwards the sealed"
                + " fields are unreadable and verify still passes.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:keys destroyed and the ErasureRecord acknowledged by Kafka",
            "1:failed (key store, ClickHouse, Kafka; the message says whether the keys were destroyed)",
            "2:invalid command line", "3:unknown subject (never sealed, or already erased): nothing changed",
            "4:refused: a legal hold covers the subject's sealed events; nothing changed"})
public final class EraseCommand implements Callable<Integer> {
    @Option(names = "--tenant", required = true, description = "Tenant of the subject (keys are per tenant).")
    String tenant;

    @Option(names = "--subject", required = true, description = "The data subject's id, as producers named it.")
    String subject;

    @Option(names = "--reason", required = true, description = "Why, e.g. the request and its reference.")
    String reason;

    @Option(names = "--requested-by", required = true, description = "Who asked for the erasure.")
    String requestedBy;

    @Option(names = "--legal-basis", description = "e.g. 'GDPR Art. 17(1)(a)'.")
    String legalBasis;

    @Option(names = "--bootstrap-servers", description = "Kafka (default: the local stack's).")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry (default: the local stack's).")
    String registryUrl;

    @Option(names = "--spool", paramLabel = "DIR", description = "Spool of the ErasureRecord until Kafka"
            + " acknowledges it (default: KEYSTORE/erasure-spool); a later run sends what an earlier one left.")
    Path spool;

    @Option(names = "--no-hold-check", description = "Do not read the evidence for affected agents and legal holds"
            + " (only where no legal hold can exist; the record then lists no affected agents).")
    boolean noHoldCheck;

    @Option(names = "--timeout", defaultValue = "PT30S", description = "Wait for Kafka's acknowledgement (default"
            + " ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    PrivacyOptions options = new PrivacyOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FileKeyStore keys;
        try {
            keys = options.keyStore().orElseThrow(() -> new IllegalArgumentException(
                    "--keystore and --master-key are required"));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Map<String, Object> client = new HashMap<>();
        StackEndpoints stack = options.stack().orElse(null);
        String kafka = bootstrapServers != null ? bootstrapServers : stack == null ? null : stack.bootstrapServers();
        String registry = registryUrl != null ? registryUrl : stack == null ? null : stack.registryUrl();
        if (kafka == null || registry == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bootstrap-servers and --registry-url are"
                    + " required when no local stack endpoints file exists in " + options.stackDir);
        }
        client.put(AuditClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        client.put("schema.registry.url", registry);
        client.put(AuditClientConfig.SPOOL_DIR_CONFIG, (spool != null ? spool
                : options.keystore.resolve("erasure-spool")).toString());
        client.put(AuditClientConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(1_000, timeout.toMillis()));
        Erasure.Request request = new Erasure.Request(tenant, subject, reason, requestedBy, legalBasis);
        try (AuditClient audit = AuditClient.create(client)) {
            Erasure.Result result;
            if (noHoldCheck) {
                result = new Erasure(keys, null, options.database, null, audit, timeout).erase(request);
            } else {
                try (Connection jdbc = options.connect()) {
                    StoredEvents events = new StoredEvents(jdbc, options.database);
                    result = new Erasure(keys, jdbc, options.database, LegalHolds.fromChain(events), audit, timeout)
                            .erase(request);
                }
            }
            out.println("erased subject " + result.subjectDigest() + " of tenant " + tenant + ": destroyed key(s) "
                    + result.keyIds() + "; sealed events in " + (noHoldCheck ? "(not looked up)" : result.affected()
                    .stream().map(a -> a.agentId() + " (" + a.events() + ")").toList()) + "; ErasureRecord "
                    + result.ack().eventId() + " at " + result.ack().topic() + "/" + result.ack().partition() + "@"
                    + result.ack().offset() + " on log " + tenant + "/" + Erasure.PRIVACY_AGENT);
            out.flush();
            return 0;
        } catch (Erasure.Refused e) {
            err.println("erase: " + e.getMessage());
            err.flush();
            return e.held() ? 4 : 3;
        }
    }
}
