package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Append-only on-disk spool of encoded events not yet acknowledged by Kafka. Two files in one directory:
 * {@code events.log} (records {@code [int length][int crc32c][16-byte eventId][short keyLength][key][value]}) and
 * {@code acked.log} (16-byte eventIds). An event is pending when it is in the first and not in the second. A torn
 * tail (crash mid-write) is detected by length or checksum and cut off at open. When nothing is pending both files
 * are truncated.
 *
 * <p>Durability contract: when {@link #append} returns, the event MUST be on disk (the channel is forced), so it
 * survives a process or machine crash. {@link #ack} is not forced: losing an ack only replays an event the chainer
 * then drops as a duplicate by eventId. Not thread-safe beyond its own monitor; one process per directory.
 */
public final class EventSpool implements AutoCloseable {
    /** One spooled event. */
    public record Entry(UUID eventId, String key, byte[] value) {
        public Entry {
            requireNonNull(eventId, "eventId");
            requireNonNull(key, "key");
            requireNonNull(value, "value");
        }
    }

    private final FileChannel events;
    private final FileChannel acked;
    private final LinkedHashMap<UUID, Entry> pending = new LinkedHashMap<>();

    private EventSpool(FileChannel events, FileChannel acked) {
        this.events = events;
        this.acked = acked;
    }

    /** Opens (creating if needed) the spool in {@code dir} and loads its pending events in append order. */
    public static EventSpool open(Path dir) {
        requireNonNull(dir, "dir");
        try {
            Files.createDirectories(dir);
            FileChannel events = FileChannel.open(dir.resolve("events.log"), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileChannel acked = FileChannel.open(dir.resolve("acked.log"), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            EventSpool spool = new EventSpool(events, acked);
            spool.load();
            return spool;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open spool " + dir, e);
        }
    }

    private void load() throws IOException {
        Set<UUID> done = new HashSet<>();
        ByteBuffer ackBytes = ByteBuffer.allocate((int) acked.size());
        acked.read(ackBytes, 0);
        ackBytes.flip();
        while (ackBytes.remaining() >= 16) {
            done.add(new UUID(ackBytes.getLong(), ackBytes.getLong()));
        }
        acked.truncate(acked.size() - acked.size() % 16);
        acked.position(acked.size());
        ByteBuffer all = ByteBuffer.allocate((int) events.size());
        events.read(all, 0);
        all.flip();
        long good = 0;
        while (all.remaining() >= 8) {
            int length = all.getInt();
            int crc = all.getInt();
            if (length < 18 || length > all.remaining()) {
                break;
            }
            byte[] body = new byte[length];
            all.get(body);
            CRC32C check = new CRC32C();
            check.update(body);
            if ((int) check.getValue() != crc) {
                break;
            }
            good = all.position();
            ByteBuffer b = ByteBuffer.wrap(body);
            UUID id = new UUID(b.getLong(), b.getLong());
            byte[] key = new byte[b.getShort() & 0xffff];
            b.get(key);
            byte[] value = new byte[b.remaining()];
            b.get(value);
            if (!done.contains(id)) {
                pending.put(id, new Entry(id, new String(key, StandardCharsets.UTF_8), value));
            }
        }
        events.truncate(good);
        events.position(good);
        if (pending.isEmpty()) {
            events.truncate(0);
            acked.truncate(0);
        }
    }

    /** Pending events, oldest first. */
    public synchronized List<Entry> pending() {
        return new ArrayList<>(pending.values());
    }

    public synchronized boolean isPending(UUID eventId) {
        return pending.containsKey(eventId);
    }

    public synchronized int pendingCount() {
        return pending.size();
    }

    /** Writes {@code entry} and forces it to disk before returning. */
    public synchronized void append(Entry entry) {
        requireNonNull(entry, "entry");
        byte[] key = entry.key().getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(16 + 2 + key.length + entry.value().length);
        body.putLong(entry.eventId().getMostSignificantBits()).putLong(entry.eventId().getLeastSignificantBits());
        body.putShort((short) key.length).put(key).put(entry.value());
        CRC32C crc = new CRC32C();
        crc.update(body.array());
        ByteBuffer record = ByteBuffer.allocate(8 + body.capacity());
        record.putInt(body.capacity()).putInt((int) crc.getValue()).put(body.array()).flip();
        try {
            while (record.hasRemaining()) {
                events.write(record);
            }
            events.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spool", e);
        }
        pending.put(entry.eventId(), entry);
    }

    /** Marks {@code eventId} acknowledged; when nothing is pending any more the files are emptied. */
    public synchronized void ack(UUID eventId) {
        if (pending.remove(eventId) == null) {
            return;
        }
        try {
            if (pending.isEmpty()) {
                events.truncate(0);
                acked.truncate(0);
                events.position(0);
                acked.position(0);
                return;
            }
            ByteBuffer id = ByteBuffer.allocate(16);
            id.putLong(eventId.getMostSignificantBits()).putLong(eventId.getLeastSignificantBits()).flip();
            while (id.hasRemaining()) {
                acked.write(id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spool", e);
        }
    }

    /** Sizes of the two files, for tests and metrics. */
    public synchronized Map<String, Long> fileSizes() {
        try {
            return Map.of("events.log", events.size(), "acked.log", acked.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            events.force(true);
            acked.force(true);
            events.close();
            acked.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close spool", e);
        }
    }
}
