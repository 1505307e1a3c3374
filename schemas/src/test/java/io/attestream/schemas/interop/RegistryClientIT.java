package io.attestream.schemas.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.schemas.registry.Compatibility;
import io.attestream.schemas.registry.CompatibilityResult;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.IncompatibleSchemaException;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Our registry client against the real registry's Confluent-compatible API ({@code /apis/ccompat/v7}), which
 * both Apicurio 3.x and the Java 17 fallback Apicurio 2.6 serve: this runs on either.
 */
@ExtendWith(LocalStackExtension.class)
class RegistryClientIT {
    private static StackEndpoints stack;

    @BeforeAll
    static void stack(StackEndpoints endpoints) {
        stack = endpoints;
    }

    @Test
    void registryClientWorksAgainstTheRealRegistry() {
        SchemaRegistryClient client = SchemaRegistryClient.forUrl(stack.registryUrl());
        String subject = "it-" + UUID.randomUUID() + "-value";
        Schema v1 = SchemaBuilder.record("Thing").namespace("it").fields().requiredString("a").endRecord();
        Schema compatible = SchemaBuilder.record("Thing").namespace("it").fields().requiredString("a")
                .name("b").type().stringType().stringDefault("x").endRecord();
        Schema incompatible = SchemaBuilder.record("Thing").namespace("it").fields().requiredString("a")
                .requiredString("b").endRecord();

        int id = client.register(subject, v1);
        assertThat(SchemaRegistryClient.forUrl(stack.registryUrl()).register(subject, v1)).isEqualTo(id);
        assertThat(SchemaRegistryClient.forUrl(stack.registryUrl()).schemaById(id)).isEqualTo(v1);
        assertThat(client.lookup(subject, v1).id()).isEqualTo(id);

        client.setSubjectCompatibility(subject, Compatibility.BACKWARD);
        assertThat(client.subjectCompatibility(subject)).contains(Compatibility.BACKWARD);
        CompatibilityResult ok = client.testCompatibility(subject, compatible);
        CompatibilityResult bad = client.testCompatibility(subject, incompatible);
        assertThat(ok.compatible()).isTrue();
        assertThat(bad.compatible()).isFalse();
        assertThatThrownBy(() -> client.register(subject, incompatible))
                .isInstanceOf(IncompatibleSchemaException.class);
        assertThat(client.globalCompatibility()).isEqualTo(Compatibility.BACKWARD);
    }
}
