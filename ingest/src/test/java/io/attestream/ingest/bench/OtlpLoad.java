package io.attestream.ingest.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** OTLP trace requests of GenAI chat spans for the gateway benchmark: tenant "bench", 50 agents. */
final class OtlpLoad {
    private OtlpLoad() {
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue kv(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }

    /** {@code spans} spans in requests of {@code perRequest}, each request one agent's resource. */
    static List<ExportTraceServiceRequest> requests(int spans, int perRequest) {
        Random random = new Random(7);
        List<ExportTraceServiceRequest> out = new ArrayList<>();
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < spans; i += perRequest) {
            ScopeSpans.Builder scope = ScopeSpans.newBuilder();
            for (int j = i; j < Math.min(spans, i + perRequest); j++) {
                byte[] trace = new byte[16];
                byte[] span = new byte[8];
                random.nextBytes(trace);
                random.nextBytes(span);
                scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(trace))
                        .setSpanId(ByteString.copyFrom(span)).setName("chat gpt-4o")
                        .setStartTimeUnixNano(now + j * 1_000L).setEndTimeUnixNano(now + j * 1_000L + 850_000_000L)
                        .addAttributes(kv("gen_ai.operation.name", "chat"))
                        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
                        .addAttributes(kv("gen_ai.provider.name", "openai"))
                        .addAttributes(kv("gen_ai.conversation.id", "conv-" + (j % 1000)))
                        .addAttributes(kv("gen_ai.usage.input_tokens", 100 + j % 50))
                        .addAttributes(kv("gen_ai.usage.output_tokens", 20 + j % 30)));
            }
            out.add(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                    .setResource(Resource.newBuilder().addAttributes(kv("service.name", "agent-" + (i / perRequest) % 50))
                            .addAttributes(kv("service.version", "1.0")).addAttributes(kv("attestream.tenant", "bench")))
                    .addScopeSpans(scope)).build());
        }
        return out;
    }
}
