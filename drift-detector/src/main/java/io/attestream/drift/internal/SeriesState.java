package io.attestream.drift.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the detector keeps for one series (tenant, agent, suite, metric) across its agent versions: open
 * windows, the last undrifted window of each version, open episodes, the pinned baseline. Stored as one value of the
 * series store; its size is bounded by (open windows + versions + 1) sketches. Mutable, owned by the processor
 * between a load and a store.
 */
public final class SeriesState {
    private static final int FORMAT = 1;

    /** A closed window's bounds and seq range, with its sample when it serves as a reference. */
    public record Closed(String version, long start, long end, long count, long firstSeq, long lastSeq,
            WindowSample sample) {
    }

    /** An episode in progress for one version. */
    public record Episode(String id, String referenceKind, Closed reference, int windows) {
    }

    /** A window still accepting values. */
    public static final class Open {
        final String version;
        final long start;
        final long end;
        final WindowSample sample;
        long firstSeq = Long.MAX_VALUE;
        long lastSeq = Long.MIN_VALUE;
        PageHinkley ph;
        double refMean = Double.NaN;
        double refSd = Double.NaN;
        boolean earlyAlarmed;

        Open(String version, long start, long end, WindowSample sample) {
            this.version = version;
            this.start = start;
            this.end = end;
            this.sample = sample;
        }

        Closed close() {
            return new Closed(version, start, end, sample.count(), firstSeq, lastSeq, sample);
        }
    }

    final List<String> versions = new ArrayList<>();
    final Map<String, Closed> lastClean = new LinkedHashMap<>();
    final Map<String, Episode> episodes = new LinkedHashMap<>();
    final List<Open> open = new ArrayList<>();
    Closed pinned;

    /** Serializes the state (a private format, versioned by its first int). */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeInt(versions.size());
            for (String v : versions) {
                out.writeUTF(v);
            }
            out.writeInt(lastClean.size());
            for (Closed c : lastClean.values()) {
                writeClosed(out, c);
            }
            out.writeInt(episodes.size());
            for (Map.Entry<String, Episode> e : episodes.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue().id());
                out.writeUTF(e.getValue().referenceKind());
                writeClosed(out, e.getValue().reference());
                out.writeInt(e.getValue().windows());
            }
            out.writeInt(open.size());
            for (Open o : open) {
                out.writeUTF(o.version);
                out.writeLong(o.start);
                out.writeLong(o.end);
                out.writeLong(o.firstSeq);
                out.writeLong(o.lastSeq);
                writeSample(out, o.sample);
                out.writeBoolean(o.ph != null);
                if (o.ph != null) {
                    out.writeDouble(o.ph.delta());
                    out.writeDouble(o.ph.alpha());
                    out.writeLong(o.ph.count());
                    out.writeDouble(o.ph.up());
                    out.writeDouble(o.ph.down());
                }
                out.writeDouble(o.refMean);
                out.writeDouble(o.refSd);
                out.writeBoolean(o.earlyAlarmed);
            }
            out.writeBoolean(pinned != null);
            if (pinned != null) {
                writeClosed(out, pinned);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads what {@link #toBytes()} wrote. */
    public static SeriesState fromBytes(byte[] data) {
        SeriesState s = new SeriesState();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown drift series state format " + format);
            }
            for (int i = in.readInt(); i > 0; i--) {
                s.versions.add(in.readUTF());
            }
            for (int i = in.readInt(); i > 0; i--) {
                Closed c = readClosed(in);
                s.lastClean.put(c.version(), c);
            }
            for (int i = in.readInt(); i > 0; i--) {
                String version = in.readUTF();
                s.episodes.put(version, new Episode(in.readUTF(), in.readUTF(), readClosed(in), in.readInt()));
            }
            for (int i = in.readInt(); i > 0; i--) {
                String version = in.readUTF();
                long start = in.readLong();
                long end = in.readLong();
                long firstSeq = in.readLong();
                long lastSeq = in.readLong();
                Open o = new Open(version, start, end, readSample(in));
                o.firstSeq = firstSeq;
                o.lastSeq = lastSeq;
                if (in.readBoolean()) {
                    o.ph = new PageHinkley(in.readDouble(), in.readDouble(), in.readLong(), in.readDouble(),
                            in.readDouble());
                }
                o.refMean = in.readDouble();
                o.refSd = in.readDouble();
                o.earlyAlarmed = in.readBoolean();
                s.open.add(o);
            }
            if (in.readBoolean()) {
                s.pinned = readClosed(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s;
    }

    private static void writeClosed(DataOutputStream out, Closed c) throws IOException {
        out.writeUTF(c.version());
        out.writeLong(c.start());
        out.writeLong(c.end());
        out.writeLong(c.count());
        out.writeLong(c.firstSeq());
        out.writeLong(c.lastSeq());
        out.writeBoolean(c.sample() != null);
        if (c.sample() != null) {
            writeSample(out, c.sample());
        }
    }

    private static Closed readClosed(DataInputStream in) throws IOException {
        return new Closed(in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                in.readBoolean() ? readSample(in) : null);
    }

    private static void writeSample(DataOutputStream out, WindowSample s) throws IOException {
        Moments m = s.moments();
        out.writeLong(m.count());
        out.writeDouble(m.count() == 0 ? 0 : m.mean());
        out.writeDouble(m.m2());
        out.writeDouble(m.m3());
        out.writeDouble(m.m4());
        QuantileSketch q = s.sketch();
        out.writeInt(q.capacity());
        double[] v = q.sortedValues();
        long[] w = q.sortedWeights();
        out.writeInt(v.length);
        for (int i = 0; i < v.length; i++) {
            out.writeDouble(v[i]);
            out.writeLong(w[i]);
        }
    }

    private static WindowSample readSample(DataInputStream in) throws IOException {
        Moments m = new Moments(in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        int capacity = in.readInt();
        int n = in.readInt();
        double[] v = new double[n];
        long[] w = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readDouble();
            w[i] = in.readLong();
        }
        return new WindowSample(m, new QuantileSketch(capacity, v, w, n));
    }
}
