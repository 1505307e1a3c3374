package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventSpoolTest {
    @TempDir
    Path dir;

    private static EventSpool.Entry entry(int n) {
        return new EventSpool.Entry(new UUID(0, n), "acme/bot-" + n, new byte[] {0, 0, 0, 0, 1, (byte) n});
    }

    @Test
    void pendingEventsSurviveReopenInAppendOrderWithoutAckedOnes() {
        try (EventSpool spool = EventSpool.open(dir)) {
            for (int i = 1; i <= 5; i++) {
                spool.append(entry(i));
            }
            spool.ack(new UUID(0, 2));
            spool.ack(new UUID(0, 4));
        }
        try (EventSpool spool = EventSpool.open(dir)) {
            assertThat(spool.pending()).extracting(e -> e.eventId().getLeastSignificantBits())
                    .containsExactly(1L, 3L, 5L);
            assertThat(spool.pending().get(1).key()).isEqualTo("acme/bot-3");
            assertThat(spool.pending().get(1).value()).containsExactly(0, 0, 0, 0, 1, 3);
        }
    }

    @Test
    void filesAreEmptiedWhenEverythingIsAcknowledged() {
        try (EventSpool spool = EventSpool.open(dir)) {
            spool.append(entry(1));
            spool.append(entry(2));
            spool.ack(new UUID(0, 1));
            assertThat(spool.fileSizes().get("events.log")).isPositive();
            spool.ack(new UUID(0, 2));
            assertThat(spool.fileSizes()).containsValues(0L, 0L);
        }
        try (EventSpool spool = EventSpool.open(dir)) {
            assertThat(spool.pending()).isEmpty();
        }
    }

    @Test
    void tornTailIsCutOffAndEarlierEventsKept() throws Exception {
        try (EventSpool spool = EventSpool.open(dir)) {
            spool.append(entry(1));
            spool.append(entry(2));
        }
        try (FileChannel ch = FileChannel.open(dir.resolve("events.log"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
            ch.write(ByteBuffer.wrap(new byte[] {9, 9}), ch.size());
        }
        try (EventSpool spool = EventSpool.open(dir)) {
            assertThat(spool.pending()).extracting(EventSpool.Entry::eventId).containsExactly(new UUID(0, 1));
            spool.append(entry(3));
        }
        try (EventSpool spool = EventSpool.open(dir)) {
            assertThat(spool.pending()).extracting(EventSpool.Entry::eventId)
                    .containsExactly(new UUID(0, 1), new UUID(0, 3));
        }
    }
}
