package io.attestream.cli;

import io.attestream.events.AuditEvent;
import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.AuditClientConfig;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream hold place | lift}: produces a LegalHold event through the normal path (the SDK, to
 * {@code attestream.events}), so the chainer chains it and the sink lands it in {@code legal_holds}; while placed,
 * the retention job does not prune what it covers and erasure refuses (docs/privacy.md, "Legal holds").
 *
 * <p>Exit codes: 0 Kafka acknowledged the event; 1 it could not be sent; 2 usage or configuration error.
 */
@Command(name = "hold", mixinStandardHelpOptions = true,
        description = "Place or lift a legal hold (a chained LegalHold event).",
        subcommands = {HoldCommand.Place.class, HoldCommand.Lift.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:acknowledged by Kafka", "1:could not be sent", "2:usage or configuration error"})
public final class HoldCommand implements Runnable {
    /** The log a hold event is chained in, per tenant: holds are the tenant's own records. */
    public static final String HOLDS_AGENT = "attestream-legal-holds";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: place or lift");
    }

    /** Where to send, and what the hold is. */
    static final class Options {
        @Option(names = "--bootstrap-servers", required = true, description = "Kafka brokers.")
        String bootstrapServers;

        @Option(names = "--registry-url", required = true, description = "Schema registry (Confluent API).")
        String registryUrl;

        @Option(names = "--hold-id", required = true, description = "Id of the hold; lift repeats it.")
        String holdId;

        @Option(names = "--tenant", required = true, description = "Tenant the hold covers; its log"
                + " " + HOLDS_AGENT + " chains the event.")
        String tenant;

        @Option(names = "--agent", description = "Agent the hold covers (default: every agent of the tenant).")
        String agent;

        @Option(names = "--from", paramLabel = "INSTANT", description = "Covered events occurred at or after this"
                + " (ISO-8601; default: from the first).")
        Instant from;

        @Option(names = "--until", paramLabel = "INSTANT", description = "Covered events occurred before this"
                + " (default: open-ended).")
        Instant until;

        @Option(names = "--by", required = true, description = "Who places or lifts it (recorded).")
        String by;

        @Option(names = "--reason", required = true, description = "Why, e.g. the litigation it serves.")
        String reason;

        @Option(names = "--reference", description = "Case or ticket reference.")
        String reference;

        @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE", description = "Other SDK client keys"
                + " (ingest README), e.g. producer.* (repeatable).")
        Map<String, String> overrides = new HashMap<>();
    }

    /**
     * The event for a hold action (pure; tests).
     *
     * @param o the options
     * @param action PLACED or LIFTED
     * @return the payload
     */
    static LegalHold payload(Options o, LegalHoldAction action) {
        if (o.from != null && o.until != null && !o.from.isBefore(o.until)) {
            throw new IllegalArgumentException("--from " + o.from + " must be before --until " + o.until);
        }
        return LegalHold.newBuilder().setHoldId(o.holdId).setAction(action).setTenant(o.tenant).setAgentId(o.agent)
                .setPeriodStart(o.from).setPeriodEnd(o.until).setBy(o.by).setReason(o.reason)
                .setReference(o.reference).build();
    }

    static int send(CommandLine.Model.CommandSpec spec, Options o, LegalHoldAction action) {
        LegalHold hold;
        Map<String, Object> config = new HashMap<>(o.overrides);
        config.put(AuditClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers);
        config.put("schema.registry.url", o.registryUrl);
        try {
            hold = payload(o, action);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("usage error: " + e.getMessage());
            return 2;
        }
        try (AuditClient client = AuditClient.create(config)) {
            AuditEvent event = client.event(o.tenant, HOLDS_AGENT, "attestream-cli").payload(hold).build();
            client.send(event).get(60, TimeUnit.SECONDS);
            spec.commandLine().getOut().println("legal hold " + o.holdId + " " + action.name().toLowerCase(
                    Locale.ROOT) + ": event " + event.getEventId() + " acknowledged, chained in "
                    + o.tenant + "/" + HOLDS_AGENT);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("configuration error: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            spec.commandLine().getErr().println("interrupted before Kafka acknowledged the hold");
            return 1;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            spec.commandLine().getErr().println("the hold could not be sent: " + e);
            return 1;
        }
    }

    /** {@code attestream hold place}. */
    @Command(name = "place", mixinStandardHelpOptions = true, description = "Place a legal hold.")
    static final class Place implements Callable<Integer> {
        @CommandLine.Mixin
        Options options;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return send(spec, options, LegalHoldAction.PLACED);
        }
    }

    /** {@code attestream hold lift}. */
    @Command(name = "lift", mixinStandardHelpOptions = true, description = "Lift a legal hold (same --hold-id).")
    static final class Lift implements Callable<Integer> {
        @CommandLine.Mixin
        Options options;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return send(spec, options, LegalHoldAction.LIFTED);
        }
    }
}
