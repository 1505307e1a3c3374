package io.attestream.ingest;

import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import java.util.Map;

/**
 * A producer process for {@code DurabilityIT}: sends {@code n} events through a spooling {@link AuditClient}
 * (Kafka is down meanwhile), prints {@code SPOOLED <eventId>} for each, then halts without closing the client,
 * like a crash. Arguments: bootstrap servers, registry URL, topic, spool directory, n.
 */
public final class SpoolChild {
    private SpoolChild() {
    }

    public static void main(String[] args) {
        AuditClient client = AuditClient.create(Map.of("bootstrap.servers", args[0], "schema.registry.url", args[1],
                AuditClientConfig.TOPIC_CONFIG, args[2], AuditClientConfig.SPOOL_DIR_CONFIG, args[3]));
        int n = Integer.parseInt(args[4]);
        for (int i = 0; i < n; i++) {
            AuditEvent event = client.event("acme", "spool-bot", "1").evalResult(EvalResult.newBuilder()
                    .setSuite("s").setEvalName("e" + i).setMetric("m").setValue(i)
                    .setEvaluatorKind(EvaluatorKind.RULE).build()).build();
            client.send(event);
            System.out.println("SPOOLED " + event.getEventId());
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
