package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProofJsonTest {
    private static final String H = Hash.empty().base64();

    @Test
    void writesTheDocumentedInclusionFormat() {
        InclusionProof p = new InclusionProof(2, 3, List.of(Hash.empty()));
        assertThat(p.toJson()).isEqualTo("{\"version\":1,\"leaf_index\":2,\"tree_size\":3,\"inclusion_path\":[\"" + H
                + "\"]}");
        assertThat(InclusionProof.fromJson(p.toJson())).isEqualTo(p);
    }

    @Test
    void writesTheDocumentedConsistencyFormat() {
        ConsistencyProof p = new ConsistencyProof(2, 3, List.of(Hash.empty()));
        assertThat(p.toJson()).isEqualTo("{\"version\":1,\"tree_size_1\":2,\"tree_size_2\":3,\"consistency_path\":[\""
                + H + "\"]}");
        assertThat(ConsistencyProof.fromJson(" {\"consistency_path\":[\"" + H
                + "\"],\"tree_size_2\":3,\"tree_size_1\":2,\"version\":1}\n")).isEqualTo(p);
    }

    @Test
    void rejectsMalformedProofJson() {
        String ok = "\"version\":1,\"leaf_index\":2,\"tree_size\":3,\"inclusion_path\":[\"" + H + "\"]";
        List<String> bad = List.of(
                "[]",
                "{" + ok + ",\"extra\":1}",
                "{" + ok + ",\"leaf_index\":2}",
                "{" + ok.replace("\"version\":1", "\"version\":2") + "}",
                "{" + ok.replace("\"version\":1,", "") + "}",
                "{" + ok.replace("\"tree_size\":3", "\"tree_size\":\"3\"") + "}",
                "{" + ok.replace("\"tree_size\":3", "\"tree_size\":3.0") + "}",
                "{" + ok.replace("\"tree_size\":3", "\"tree_size\":99999999999999999999") + "}",
                "{" + ok.replace("\"leaf_index\":2", "\"leaf_index\":3") + "}",
                "{" + ok.replace(H, "AAAA") + "}",
                "{" + ok.replace(H, H.substring(0, 42) + "V=") + "}",
                "{" + ok + "} {}",
                "{" + ok);
        for (String json : bad) {
            assertThatThrownBy(() -> InclusionProof.fromJson(json)).as(json)
                    .isInstanceOf(MalformedDataException.class).hasMessageStartingWith("inclusion proof JSON: ");
        }
    }
}
