package io.attestream.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.witness.internal.StateFiles;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The witness over real HTTP on 127.0.0.1, through {@link WitnessClient}. */
class WitnessServerTest {
    @TempDir
    Path dir;

    private WitnessServer server;
    private WitnessClient client;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        Witness w = Witness.open(TestLog.WITNESS_KEY, List.of(new WitnessedLog("attestream/*",
                List.of(TestLog.LOG_KEY.verifierKey()))), dir, Clock.systemUTC());
        server = WitnessServer.start(w, new InetSocketAddress("127.0.0.1", 0), 2);
        client = new WitnessClient(server.uri(), CosignerKey.of(TestLog.WITNESS_KEY), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void clientGetsVerifiedCosignatureConflictSizeAndRefusals() {
        TestLog log = new TestLog("attestream/acme/agent-1");
        WitnessClient.Result r = client.add(log.request(0, 10));
        assertThat(r).isInstanceOf(WitnessClient.Cosigned.class);
        assertThat(client.add(log.request(0, 12))).isEqualTo(new WitnessClient.Conflict(10));
        assertThat(client.add(log.request(10, 12))).isInstanceOf(WitnessClient.Cosigned.class);
        TestLog forked = new TestLog("attestream/acme/agent-1", "rewritten", TestLog.LOG_KEY);
        WitnessClient.Result fork = client.add(new AddCheckpointRequest(12, forked.proof(12, 20), forked.note(20)));
        assertThat(fork).isInstanceOf(WitnessClient.Refused.class);
        assertThat(((WitnessClient.Refused) fork).status()).isEqualTo(422);
        assertThat(((WitnessClient.Refused) fork).retriable()).isFalse();
        assertThat(((WitnessClient.Refused) client.add(new TestLog("elsewhere/x").request(0, 1))).status()).isEqualTo(404);
    }

    @Test
    void clientRejectsACosignatureByAnotherKey() {
        WitnessClient wrongKey = new WitnessClient(server.uri(), CosignerKey.of(io.attestream.integrity.SigningKey
                .fromSeed("witness.test/w1", TestLog.seed(7))), Duration.ofSeconds(10));
        assertThatThrownBy(() -> wrongKey.add(new TestLog("attestream/acme/agent-1").request(0, 3)))
                .isInstanceOf(WitnessException.class).hasMessageContaining("without a valid cosignature");
    }

    @Test
    void servesTheLatestCosignedCheckpointByOriginHash() throws Exception {
        TestLog log = new TestLog("attestream/acme/agent-1");
        client.add(log.request(0, 4));
        HttpResponse<String> got = http.send(HttpRequest.newBuilder(server.uri().resolve(
                StateFiles.originHash("attestream/acme/agent-1") + "/checkpoint")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(got.statusCode()).isEqualTo(200);
        SignedCheckpoint note = SignedCheckpoint.parse(got.body());
        assertThat(note.checkpoint()).isEqualTo(log.checkpoint(4));
        assertThat(CosignatureVerifier.of(List.of(CosignerKey.of(TestLog.WITNESS_KEY))).verify(note)).hasSize(1);
        assertThat(http.send(HttpRequest.newBuilder(server.uri().resolve(StateFiles.originHash("nope") + "/checkpoint"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    @Test
    void answers405ForGetOfAddCheckpointAnd413ForHugeBodies() throws Exception {
        URI add = server.uri().resolve("add-checkpoint");
        assertThat(http.send(HttpRequest.newBuilder(add).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(405);
        HttpResponse<String> huge = http.send(HttpRequest.newBuilder(add)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[WitnessServer.MAX_BODY_BYTES + 1])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(huge.statusCode()).isEqualTo(413);
    }

    @Test
    void unreachableWitnessIsWitnessUnavailable() {
        server.close();
        assertThatThrownBy(() -> client.add(new TestLog("attestream/acme/agent-1").request(0, 3)))
                .isInstanceOf(WitnessUnavailableException.class);
    }
}
