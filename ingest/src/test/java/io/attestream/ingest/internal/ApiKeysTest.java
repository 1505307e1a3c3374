package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    private final ApiKeys keys = ApiKeys.parse(List.of(
            "# name hash tenant agents",
            "acme-refund " + ApiKeys.hash("k-refund") + " acme refund-bot",
            "acme-all " + ApiKeys.hash("k-acme") + " acme *",
            "globex-triage " + ApiKeys.hash("k-globex") + " globex triage-*,intake",
            "",
            "admin " + ApiKeys.hash("k-admin") + " * *"), "test");

    @Test
    void storesOnlyHashesAndFindsTheScopeOfAPlainKey() {
        assertThat(ApiKeys.hash("k-refund")).matches("[0-9a-f]{64}").doesNotContain("k-refund");
        assertThat(keys.lookup("k-refund")).get().extracting(ApiKeys.Scope::name).isEqualTo("acme-refund");
        assertThat(keys.lookup("wrong")).isEmpty();
        assertThat(keys.lookup(null)).isEmpty();
        assertThat(keys.lookup(ApiKeys.hash("k-refund"))).as("the hash itself is not a key").isEmpty();
    }

    @Test
    void scopeCoversOnlyItsTenantAndAgents() {
        ApiKeys.Scope refund = keys.lookup("k-refund").orElseThrow();
        assertThat(refund.covers("acme", "refund-bot")).isTrue();
        assertThat(refund.covers("acme", "refund-bot-2")).isFalse();
        assertThat(refund.covers("globex", "refund-bot")).isFalse();
        ApiKeys.Scope globex = keys.lookup("k-globex").orElseThrow();
        assertThat(globex.covers("globex", "triage-eu")).isTrue();
        assertThat(globex.covers("globex", "intake")).isTrue();
        assertThat(globex.covers("globex", "intake-2")).isFalse();
        assertThat(keys.lookup("k-acme").orElseThrow().covers("acme", "anything")).isTrue();
        assertThat(keys.lookup("k-admin").orElseThrow().covers("globex", "x")).isTrue();
    }

    @Test
    void rejectsMalformedLinesNamingTheSourceAndLine() {
        assertThatThrownBy(() -> ApiKeys.parse(List.of("a plain-key acme *"), "gateway.api.keys.file"))
                .hasMessageContaining("gateway.api.keys.file line 1");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("# nothing"), "gateway.api.keys.file"))
                .hasMessageContaining("no API keys");
    }

    @Test
    void hashIsTheSha256HexOfTheUtf8KeyAsComputedByIndependentTools() {
        // Computed outside Java, both giving the same value:
        //   printf '%s' 'atk_live_3f9c-Beispiel-ключ-🔑' | sha256sum
        //   python3 -c "import hashlib; print(hashlib.sha256('atk_live_3f9c-Beispiel-ключ-🔑'.encode('utf-8')).hexdigest())"
        assertThat(ApiKeys.hash("atk_live_3f9c-Beispiel-ключ-🔑"))
                .isEqualTo("fa7464d3c7c26ce554d7631d5763422936b404abb99a1abedd0f2cd06d7e5001");
        //   printf '%s' 'k-refund' | sha256sum
        assertThat(ApiKeys.hash("k-refund")).isEqualTo("6e50713c7eea65154f42c55e7ee909e933004348ab2f7a127967b9bd34b561ed");
    }
}
