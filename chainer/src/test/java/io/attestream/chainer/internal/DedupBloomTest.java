package io.attestream.chainer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class DedupBloomTest {
    private static final long W = 60_000;
    /** Generation width for W: ceil(W / 4). */
    private static final long G = 15_000;
    private static final long T0 = 1_764_115_200_000L;

    @Property(tries = 200)
    void everyKeyAddedWithinTheWindowIsReportedPresent(
            @ForAll @Size(max = 3_000) List<@StringLength(max = 40) String> keys,
            @ForAll @LongRange(min = 0, max = W) long spreadMs) {
        // A small filter, so that many keys share blocks: a false negative would show.
        DedupBloom bloom = new DedupBloom(W, 6 * 1024);
        long now = T0 + W;
        for (int i = 0; i < keys.size(); i++) {
            assertThat(bloom.add(keys.get(i), now - (keys.size() == 1 ? 0 : spreadMs * i / (keys.size() - 1))))
                    .isTrue();
        }
        bloom.expire(now);
        assertThat(keys).allMatch(bloom::mightContain);
    }

    @Test
    void keyStaysUntilItsGenerationEndsBeforeNowMinusTheWindowAndThenLeaves() {
        DedupBloom bloom = new DedupBloom(W, 1 << 20);
        long t = T0 + 7_000;
        bloom.add("id-1@acme/agent-a", t);
        bloom.expire(t + W);
        assertThat(bloom.mightContain("id-1@acme/agent-a")).as("exactly W old: inside the window").isTrue();
        long generationEnd = Math.floorDiv(t, G) * G + G - 1;
        bloom.expire(generationEnd + W);
        assertThat(bloom.mightContain("id-1@acme/agent-a")).as("its generation's end is exactly W old").isTrue();
        bloom.expire(generationEnd + W + 1);
        assertThat(bloom.mightContain("id-1@acme/agent-a")).isFalse();
        assertThat(bloom.generationCount()).isZero();
    }

    @Test
    void expiryDropsOnlyGenerationsThatEndedBeforeTheWindow() {
        DedupBloom bloom = new DedupBloom(W, 1 << 20);
        for (int g = 0; g < 5; g++) {
            bloom.add("key-" + g, T0 + g * G);
        }
        assertThat(bloom.generationCount()).isEqualTo(5);
        bloom.expire(T0 + 2 * G + W);
        assertThat(bloom.generationCount()).isEqualTo(3);
        assertThat(bloom.mightContain("key-2")).isTrue();
        assertThat(bloom.mightContain("key-4")).isTrue();
    }

    @Test
    void aSeventhGenerationIsRefusedSoTheCallerStopsTrusting() {
        DedupBloom bloom = new DedupBloom(W, 1 << 20);
        for (int g = 0; g < DedupBloom.MAX_GENERATIONS; g++) {
            assertThat(bloom.add("key-" + g, T0 + g * G)).isTrue();
        }
        assertThat(bloom.add("key-late", T0 + DedupBloom.MAX_GENERATIONS * G)).isFalse();
        assertThat(bloom.add("key-again", T0)).as("an existing generation still takes keys").isTrue();
    }

    @Test
    void falsePositivesStayNearOnePercentAtCapacity() {
        DedupBloom bloom = new DedupBloom(W, 6L << 20);
        long n = bloom.capacityPerGeneration();
        for (long i = 0; i < n; i++) {
            bloom.add(UUID.nameUUIDFromBytes(("in" + i).getBytes(StandardCharsets.UTF_8)) + "@acme/agent-a", T0);
        }
        long probes = 200_000;
        long positives = IntStream.range(0, (int) probes)
                .filter(i -> bloom.mightContain(UUID.nameUUIDFromBytes(("out" + i).getBytes(StandardCharsets.UTF_8)) + "@acme/agent-a"))
                .count();
        assertThat(positives / (double) probes).isLessThan(0.02);
    }

    @Test
    void memoryIsAllocatedPerGenerationWithinTheBudget() {
        DedupBloom bloom = new DedupBloom(W, 6L << 20);
        assertThat(bloom.allocatedBytes()).isZero();
        bloom.add("a", T0);
        assertThat(bloom.allocatedBytes()).isEqualTo(1L << 20);  // 6 MiB / 6, whole 64-byte blocks
        for (int g = 1; g < DedupBloom.MAX_GENERATIONS; g++) {
            bloom.add("a", T0 + g * G);
        }
        assertThat(bloom.allocatedBytes()).isLessThanOrEqualTo(6L << 20);
    }
}
