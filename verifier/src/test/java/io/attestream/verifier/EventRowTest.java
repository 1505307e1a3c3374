package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MalformedDataException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventRowTest {
    private static final LogId LOG = LogId.of("acme", "agent-1");
    private static final Hash FP = Hash.sha256("schema".getBytes(StandardCharsets.US_ASCII));

    private static EventRow row(int version, byte[] bytes) {
        return new EventRow(LOG.tenant(), LOG.agentId(), 3, LOG.genesisHash(), Hash.empty(), version,
                1_795_651_200_000_000L, 7, FP, bytes);
    }

    @Test
    void recomputeHashEqualsChainEntryRecomputeOfTheBodyForEveryLengthAndVersion() {
        Random rnd = new Random(11);
        for (int len = 0; len < 1_500; len += 1 + len / 10) {
            for (int version : new int[] {ChainEntry.VERSION_1, ChainEntry.VERSION_2}) {
                byte[] bytes = new byte[len];
                rnd.nextBytes(bytes);
                EventRow r = row(version, bytes);
                long seq = rnd.nextInt(1000);
                assertThat(r.recomputeHash(LOG, seq, FP.toBytes())).isEqualTo(ChainEntry.recompute(LOG, seq,
                        r.prevHash(), version, r.chainedAtMicros(), r.schemaId(), FP.toBytes(), r.body()).hash());
            }
        }
    }

    @Test
    void recomputeHashFailsOnAnUnknownEntryVersionAsRecomputeDoes() {
        assertThatThrownBy(() -> row(9, new byte[8]).recomputeHash(LOG, 3, FP.toBytes()))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("unknown entry version 9");
    }

    @Test
    void storedBytesCannotBeChangedThroughTheConstructorArgumentOrTheAccessors() {
        byte[] given = {0, 0, 0, 0, 7, 1, 2};
        EventRow r = row(ChainEntry.VERSION_2, given);
        Hash before = r.recomputeHash(LOG, 3, FP.toBytes());
        given[5] = 9;
        r.eventBytes()[6] = 9;
        r.body()[0] = 9;
        assertThat(r.eventBytes()).containsExactly(0, 0, 0, 0, 7, 1, 2);
        assertThat(r.recomputeHash(LOG, 3, FP.toBytes())).isEqualTo(before);
    }
}
