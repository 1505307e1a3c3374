package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.ChainedEvent;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;

/**
 * Writes a ChainedEvent in Confluent wire format straight from its field values, without a {@link ChainedEvent}
 * object: the generated builder deep-copies every field (the event's bytes among them), and the generic serializer
 * resolves the schema id and copies the encoded bytes twice per record. Thread-safe.
 *
 * <p>Contract: {@link #write} MUST return exactly the bytes that {@code SpecificDatumWriter<ChainedEvent>} framed with
 * the same schema id writes for the same values (ChainedEventWireTest compares them), and this class MUST refuse to
 * exist when {@link ChainedEvent}'s schema no longer has the fields, in the order and of the types, that it writes
 * ({@link #FIELDS}, checked when the class loads): a schema change fails the chainer's start and its tests until this
 * writer follows it, never silently.
 *
 * <p>The schema id is resolved once, at the first record, the way the pipeline's serde resolves it (registered under
 * {@code <topic>-value} when auto-registering, else looked up there); a registry failure there fails the record
 * as the serde would.
 */
public final class ChainedEventWire {
    /** ChainedEvent's fields in schema order, as {@code name:type}, that {@link #write} writes. */
    static final List<String> FIELDS = List.of("tenant:string", "agentId:string", "seq:long", "prevHash:fixed32",
            "hash:fixed32", "schemaId:int", "schemaFingerprint:fixed32", "eventId:string", "eventType:string",
            "agentVersion:string", "occurredAt:long/timestamp-micros", "chainedAt:long/timestamp-micros",
            "eventBytes:bytes", "sourceTopic:string", "sourcePartition:int", "sourceOffset:long", "entryVersion:int");

    static {
        List<String> actual = describe(ChainedEvent.getClassSchema());
        if (!actual.equals(FIELDS)) {
            throw new IllegalStateException("ChainedEvent's schema changed: the chainer writes " + FIELDS + " but the "
                    + "schema has " + actual + "; update ChainedEventWire with the schema");
        }
    }

    private final SchemaRegistryClient registry;
    private final String subject;
    private final boolean autoRegister;
    /** The schema id once resolved, else -1. */
    private volatile int schemaId = -1;

    /**
     * @param registry     where the schema id is resolved
     * @param topic        the chained-events topic (subject {@code <topic>-value})
     * @param autoRegister register the schema under the subject (else it MUST be registered already)
     */
    public ChainedEventWire(SchemaRegistryClient registry, String topic, boolean autoRegister) {
        this.registry = requireNonNull(registry, "registry");
        this.subject = Topics.valueSubject(requireNonNull(topic, "topic"));
        this.autoRegister = autoRegister;
    }

    /** {@code name:type} of each field of {@code schema}, the form of {@link #FIELDS}. */
    static List<String> describe(Schema schema) {
        return schema.getFields().stream().map(f -> f.name() + ":" + describeType(f.schema()))
                .collect(Collectors.toList());
    }

    private static String describeType(Schema s) {
        LogicalType logical = s.getLogicalType();
        String base = s.getType() == Schema.Type.FIXED ? "fixed" + s.getFixedSize() : s.getType().getName();
        return logical == null ? base : base + "/" + logical.getName();
    }

    /** The values of one ChainedEvent, in schema order; the byte arrays are read, never kept or changed. */
    @SuppressWarnings("checkstyle:ParameterNumber")
    public record Values(String tenant, String agentId, long seq, byte[] prevHash, byte[] hash, int schemaId,
                         byte[] schemaFingerprint, String eventId, String eventType, String agentVersion,
                         Instant occurredAt, long chainedAtMicros, byte[] eventBytes, String sourceTopic,
                         int sourcePartition, long sourceOffset, int entryVersion) {
    }

    /** The wire-format record of {@code v}: magic byte, schema id, then the Avro body. */
    public byte[] write(Values v) {
        byte[] tenant = utf8(v.tenant());
        byte[] agentId = utf8(v.agentId());
        byte[] eventId = utf8(v.eventId());
        byte[] eventType = utf8(v.eventType());
        byte[] agentVersion = utf8(v.agentVersion());
        byte[] sourceTopic = utf8(v.sourceTopic());
        long occurredAt = micros(v.occurredAt());
        int size = ConfluentWireFormat.HEADER_SIZE + sized(tenant) + sized(agentId) + varLongSize(v.seq())
                + fixed32(v.prevHash()) + fixed32(v.hash()) + varLongSize(v.schemaId()) + fixed32(v.schemaFingerprint())
                + sized(eventId) + sized(eventType) + sized(agentVersion) + varLongSize(occurredAt)
                + varLongSize(v.chainedAtMicros()) + sized(v.eventBytes()) + sized(sourceTopic)
                + varLongSize(v.sourcePartition()) + varLongSize(v.sourceOffset()) + varLongSize(v.entryVersion());
        Out out = new Out(size);
        int id = schemaId();
        out.b[0] = ConfluentWireFormat.MAGIC_BYTE;
        out.b[1] = (byte) (id >>> 24);
        out.b[2] = (byte) (id >>> 16);
        out.b[3] = (byte) (id >>> 8);
        out.b[4] = (byte) id;
        out.pos = ConfluentWireFormat.HEADER_SIZE;
        out.bytes(tenant);
        out.bytes(agentId);
        out.varLong(v.seq());
        out.fixed(v.prevHash());
        out.fixed(v.hash());
        out.varLong(v.schemaId());
        out.fixed(v.schemaFingerprint());
        out.bytes(eventId);
        out.bytes(eventType);
        out.bytes(agentVersion);
        out.varLong(occurredAt);
        out.varLong(v.chainedAtMicros());
        out.bytes(v.eventBytes());
        out.bytes(sourceTopic);
        out.varLong(v.sourcePartition());
        out.varLong(v.sourceOffset());
        out.varLong(v.entryVersion());
        if (out.pos != size) {
            throw new IllegalStateException("ChainedEvent encoding wrote " + out.pos + " bytes, sized " + size);
        }
        return out.b;
    }

    private int schemaId() {
        int id = schemaId;
        if (id < 0) {
            Schema schema = ChainedEvent.getClassSchema();
            id = autoRegister ? registry.register(subject, schema) : registry.idOf(subject, schema);
            schemaId = id;
        }
        return id;
    }

    private static byte[] utf8(String s) {
        return requireNonNull(s, "a ChainedEvent string field").getBytes(StandardCharsets.UTF_8);
    }

    /** Avro's timestamp-micros of {@code t} (as its TimestampMicrosConversion computes it; exact or throws). */
    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static int fixed32(byte[] b) {
        if (b.length != 32) {
            throw new IllegalArgumentException("a Sha256 field needs 32 bytes, got " + b.length);
        }
        return 32;
    }

    private static int sized(byte[] b) {
        return varLongSize(b.length) + b.length;
    }

    /** Bytes of the zig-zag varint of {@code n}. */
    private static int varLongSize(long n) {
        long z = (n << 1) ^ (n >> 63);
        int size = 1;
        while ((z & ~0x7FL) != 0) {
            z >>>= 7;
            size++;
        }
        return size;
    }

    /** A byte array written from the front. */
    private static final class Out {
        final byte[] b;
        int pos;

        Out(int size) {
            this.b = new byte[size];
        }

        /** Avro long or int: zig-zag, then 7 bits a byte, low first. */
        void varLong(long n) {
            long z = (n << 1) ^ (n >> 63);
            while ((z & ~0x7FL) != 0) {
                b[pos++] = (byte) ((z & 0x7F) | 0x80);
                z >>>= 7;
            }
            b[pos++] = (byte) z;
        }

        /** Avro bytes or string: length, then the bytes. */
        void bytes(byte[] v) {
            varLong(v.length);
            fixed(v);
        }

        void fixed(byte[] v) {
            System.arraycopy(v, 0, b, pos, v.length);
            pos += v.length;
        }
    }
}
