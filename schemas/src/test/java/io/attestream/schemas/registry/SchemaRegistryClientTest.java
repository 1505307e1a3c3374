package io.attestream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryException.IncompatibleSchemaException;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException;
import io.attestream.schemas.registry.SchemaRegistryException.SchemaNotFoundException;
import io.attestream.schemas.testing.InProcessRegistry;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryClientTest {
    private static final Schema V1 = SchemaBuilder.record("Thing").namespace("t").fields()
            .requiredString("a").endRecord();
    private static final Schema V2_COMPATIBLE = SchemaBuilder.record("Thing").namespace("t").fields()
            .requiredString("a").name("b").type().stringType().stringDefault("x").endRecord();
    private static final Schema V2_INCOMPATIBLE = SchemaBuilder.record("Thing").namespace("t").fields()
            .requiredString("a").requiredString("b").endRecord();

    private InProcessRegistry registry;
    private SchemaRegistryClient client;

    @BeforeEach
    void start() throws Exception {
        registry = new InProcessRegistry();
        client = SchemaRegistryClient.forUrl(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void registeringTheSameSchemaTwiceReturnsTheSameId() {
        int id = client.register("s-value", V1);
        assertThat(SchemaRegistryClient.forUrl(registry.url()).register("s-value", V1)).isEqualTo(id);
    }

    @Test
    void getsSchemaByIdAndCachesIt() {
        int id = client.register("s-value", AuditEvent.getClassSchema());
        SchemaRegistryClient fresh = SchemaRegistryClient.forUrl(registry.url());
        assertThat(fresh.schemaById(id).toString()).isEqualTo(SchemaRegistryClient.registryForm(
                AuditEvent.getClassSchema()));
        fresh.schemaById(id);
        assertThat(registry.requests()).filteredOn(r -> r.equals("GET /schemas/ids/" + id)).hasSize(1);
    }

    @Test
    void unknownIdRaisesSchemaNotFoundWithConfluentErrorCode() {
        assertThatThrownBy(() -> client.schemaById(99))
                .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                });
    }

    @Test
    void looksUpRegisteredSchemaUnderSubject() {
        int id = client.register("s-value", V1);
        RegisteredSchema found = SchemaRegistryClient.forUrl(registry.url()).lookup("s-value", V1);
        assertThat(found.id()).isEqualTo(id);
        assertThat(found.version()).isEqualTo(1);
        assertThatThrownBy(() -> client.lookup("other-value", V1)).isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void checksCompatibilityAndRefusesIncompatibleRegistration() {
        client.register("s-value", V1);
        assertThat(client.testCompatibility("s-value", V2_COMPATIBLE).compatible()).isTrue();
        assertThat(client.testCompatibility("s-value", V2_INCOMPATIBLE).compatible()).isFalse();
        assertThat(client.testCompatibility("new-value", V2_INCOMPATIBLE).compatible()).isTrue();
        assertThatThrownBy(() -> client.register("s-value", V2_INCOMPATIBLE))
                .isInstanceOf(IncompatibleSchemaException.class).hasMessageContaining("409");
        assertThat(client.latest("s-value").schema()).isEqualTo(V1);
    }

    @Test
    void readsAndWritesGlobalAndSubjectConfig() {
        client.setGlobalCompatibility(Compatibility.FULL);
        assertThat(client.globalCompatibility()).isEqualTo(Compatibility.FULL);
        assertThat(client.subjectCompatibility("s-value")).isEmpty();
        client.setSubjectCompatibility("s-value", Compatibility.NONE);
        assertThat(client.subjectCompatibility("s-value")).contains(Compatibility.NONE);
        client.register("s-value", V1);
        assertThat(client.register("s-value", V2_INCOMPATIBLE)).isPositive();
    }

    @Test
    void sendsBasicAuthWhenConfigured() {
        SchemaRegistryClient authed = new SchemaRegistryClient(new RegistryClientConfig(Map.of(
                RegistryClientConfig.URL_CONFIG, registry.url(),
                RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, "svc:s3cret")));
        authed.subjects();
        assertThat(registry.lastAuthorization()).isEqualTo("Basic c3ZjOnMzY3JldA==");
    }

    @Test
    void takesBasicAuthFromTheUrlWhenTheCredentialsSourceIsUrl() {
        SchemaRegistryClient authed = new SchemaRegistryClient(new RegistryClientConfig(Map.of(
                RegistryClientConfig.URL_CONFIG, registry.url().replace("http://", "http://svc:s3cret@"),
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, RegistryClientConfig.SOURCE_URL)));
        authed.subjects();
        assertThat(registry.lastAuthorization()).isEqualTo("Basic c3ZjOnMzY3JldA==");
    }

    @Test
    void rejectsContradictoryOrUnsupportedCredentialSources() {
        String withUser = registry.url().replace("http://", "http://svc:s3cret@");
        assertThatThrownBy(() -> new RegistryClientConfig(Map.of(RegistryClientConfig.URL_CONFIG, withUser)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG)
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> new RegistryClientConfig(Map.of(RegistryClientConfig.URL_CONFIG, withUser,
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, RegistryClientConfig.SOURCE_URL,
                RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, "other:pw")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG);
        assertThatThrownBy(() -> new RegistryClientConfig(Map.of(RegistryClientConfig.URL_CONFIG, registry.url(),
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, RegistryClientConfig.SOURCE_URL)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("user:password@");
        assertThatThrownBy(() -> new RegistryClientConfig(Map.of(RegistryClientConfig.URL_CONFIG, registry.url(),
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not supported");
    }

    @Test
    void failsOverToTheNextUrlWhenOneIsDown() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        SchemaRegistryClient failover = new SchemaRegistryClient(new RegistryClientConfig(Map.of(
                RegistryClientConfig.URL_CONFIG, "http://127.0.0.1:" + deadPort + "," + registry.url())));
        assertThat(failover.register("s-value", V1)).isPositive();
    }

    @Test
    void serverErrorsAreUnavailableNotDefiniteAnswers() {
        registry.failWith(503);
        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOfSatisfying(RegistryUnavailableException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(503));
    }

    @Test
    void rejectsConfigurationWithoutUsableUrl() {
        assertThatThrownBy(() -> new RegistryClientConfig(Map.of(RegistryClientConfig.URL_CONFIG, "localhost:8081")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> new RegistryClientConfig(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }
}
