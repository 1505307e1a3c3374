package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** OTLP/JSON per the OTLP specification's "JSON Protobuf Encoding" section. */
class OtlpJsonTest {
    /** The trace example of the OTLP specification repository (examples/trace.json), abridged. */
    private static final String SPEC_EXAMPLE = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]},
             "scopeSpans":[{"scope":{"name":"my.library","version":"1.0.0",
               "attributes":[{"key":"my.scope.attribute","value":{"stringValue":"some scope attribute"}}]},
              "spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
                "parentSpanId":"EEE19B7EC3C1B173","name":"I'm a server span",
                "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","kind":2,
                "attributes":[{"key":"my.span.attr","value":{"stringValue":"some value"}},
                  {"key":"n","value":{"intValue":"42"}},{"key":"d","value":{"doubleValue":0.5}},
                  {"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"},{"boolValue":true}]}}}]}]}]}]}
            """;

    private static ExportTraceServiceRequest parse(String json) throws OtlpJson.BadRequest {
        return OtlpJson.parse(json.getBytes(StandardCharsets.UTF_8), ExportTraceServiceRequest.newBuilder(), 20)
                .build();
    }

    @Test
    void theSpecificationsTraceExampleParsesWithHexIdsDecimalStringInt64AndIntegerEnums() throws Exception {
        ExportTraceServiceRequest r = parse(SPEC_EXAMPLE);
        Span span = r.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray()))
                .isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(span.getSpanId().size()).isEqualTo(8);
        assertThat(span.getParentSpanId().size()).isEqualTo(8);
        assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
        assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(span.getAttributes(1).getValue().getIntValue()).isEqualTo(42);
        assertThat(span.getAttributes(2).getValue().getDoubleValue()).isEqualTo(0.5);
        assertThat(span.getAttributes(3).getValue().getArrayValue().getValues(1).getBoolValue()).isTrue();
        assertThat(r.getResourceSpans(0).getScopeSpans(0).getScope().getName()).isEqualTo("my.library");
    }

    @Test
    void unknownKeysAreIgnoredAndNumbersEnumNamesAndProtoFieldNamesAreAccepted() throws Exception {
        ExportTraceServiceRequest r = parse("""
                {"resourceSpans":[{"futureField":{"x":1},"scope_spans":[{"spans":[
                  {"name":"s","start_time_unix_nano":1544712660000000000,"kind":"SPAN_KIND_CLIENT","status":{"code":2}}
                ]}]}]}""");
        Span span = r.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
        assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(span.getStatus().getCodeValue()).isEqualTo(2);
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedNamingItsJsonPath() {
        assertThatThrownBy(() -> parse("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":7}]}]}]}"))
                .isInstanceOf(OtlpJson.BadRequest.class)
                .hasMessageContaining("$.resourceSpans[0].scopeSpans[0].spans[0].name: expected a string");
        assertThatThrownBy(() -> parse("{\"resourceSpans\":{}}")).hasMessageContaining("expected an array");
        assertThatThrownBy(() -> parse("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"xyz1\"}]}]}]}"))
                .hasMessageContaining("not hex");
        assertThatThrownBy(() -> parse("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"droppedEventsCount\":"
                + "-1}]}]}]}")).hasMessageContaining("out of range for uint32");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("$: expected an object");
        assertThatThrownBy(() -> parse("{")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> parse("")).hasMessageContaining("empty body");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefusedBeforeTheStackIsExhausted() {
        StringBuilder deep = new StringBuilder("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{"
                + "\"key\":\"k\",\"value\":");
        int levels = 40;
        for (int i = 0; i < levels; i++) {
            deep.append("{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":");
        }
        deep.append("{\"stringValue\":\"x\"}");
        deep.append("}]}}".repeat(levels));
        deep.append("}]}]}]}]}");
        assertThatThrownBy(() -> parse(deep.toString())).hasMessageContaining("nested deeper than 20");
    }

    @Test
    void aResponseIsWrittenWithCamelCaseKeysAndInt64AsAString() {
        ExportLogsServiceResponse r = ExportLogsServiceResponse.newBuilder().setPartialSuccess(
                ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(3).setErrorMessage("why")).build();
        assertThat(new String(OtlpJson.write(r), StandardCharsets.UTF_8))
                .isEqualTo("{\"partialSuccess\":{\"rejectedLogRecords\":\"3\",\"errorMessage\":\"why\"}}");
        assertThat(new String(OtlpJson.write(ExportLogsServiceResponse.getDefaultInstance()), StandardCharsets.UTF_8))
                .isEqualTo("{}");
    }
}
