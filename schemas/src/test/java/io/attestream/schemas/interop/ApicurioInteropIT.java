package io.attestream.schemas.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventType;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.schemas.wire.DecodedEvent;
import io.attestream.testing.ExternalTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our wire format against an independent implementation (Apicurio's own Kafka serdes, which talk to the registry
 * through its native v3 API). Needs Apicurio 3.x: skipped with the reason on the Apicurio 2.6 fallback, failing
 * with CI=true. Our registry client against the Confluent API: RegistryClientIT (any Apicurio).
 */
@ExtendWith(LocalStackExtension.class)
class ApicurioInteropIT {
    private static StackEndpoints stack;
    private static String nativeApi;

    @BeforeAll
    static void requireApicurio3(StackEndpoints endpoints) throws Exception {
        stack = endpoints;
        nativeApi = endpoints.registryUrl().replace("/apis/ccompat/v7", "/apis/registry/v3");
        HttpResponse<Void> system = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(nativeApi + "/system/info")).build(),
                HttpResponse.BodyHandlers.discarding());
        // Apicurio 2.6 (the Java 17 fallback) has no v3 API for the 3.x serdes to talk to. The registry
        // client's own test (RegistryClientIT) needs only the Confluent API and runs on both.
        ExternalTool.requirePresent(system.statusCode() == 200,
                "Apicurio Registry 3.x (native API " + nativeApi + "; the local stack runs 3.x when a Java 21+ JVM is found)",
                "Apicurio's 3.x serdes are the independent implementation of our wire format");
    }

    private static Map<String, Object> apicurioConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", nativeApi);
        config.put("apicurio.registry.auto-register", "true");
        config.put("apicurio.registry.use-id", "contentId");
        config.put("apicurio.registry.use-specific-avro-reader", "true");
        return config;
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void bytesWeWriteDecodeWithApicurioSerde(EventType type) {
        String topic = "interop-ours-" + UUID.randomUUID();
        AuditEvent event = SampleEvents.of(type, "acme", "bot", 3);
        byte[] bytes = new AuditEventSerializer(SchemaRegistryClient.forUrl(stack.registryUrl()), true)
                .serialize(topic, event);

        try (AvroKafkaDeserializer<AuditEvent> theirs = new AvroKafkaDeserializer<>()) {
            theirs.configure(apicurioConfig(), false);
            assertThat(theirs.deserialize(topic, bytes)).isEqualTo(event);
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void bytesApicurioWritesDecodeWithOurs(EventType type) {
        String topic = "interop-theirs-" + UUID.randomUUID();
        AuditEvent event = SampleEvents.of(type, "acme", "bot", 4);
        byte[] bytes;
        try (AvroKafkaSerializer<AuditEvent> theirs = new AvroKafkaSerializer<>()) {
            theirs.configure(apicurioConfig(), false);
            bytes = theirs.serialize(topic, event);
        }
        assertThat(bytes[0]).isEqualTo(ConfluentWireFormat.MAGIC_BYTE);

        DecodedEvent decoded = new AuditEventCodec(SchemaRegistryClient.forUrl(stack.registryUrl())).decode(bytes);
        assertThat(decoded.event()).isEqualTo(event);
        assertThat(decoded.schemaFingerprint()).isEqualTo(AuditEventCodec.fingerprint(AuditEvent.getClassSchema()));
    }
}
