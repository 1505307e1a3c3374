package io.attestream.chainer.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A wall-clock sampler of this JVM's Kafka Streams threads for the benchmark ({@code --sample-ms N --sample-out F}):
 * every N ms it takes the full stack of each stream thread with {@link ThreadMXBean#getThreadInfo(long[], int)} and
 * counts it under its state ({@code java}, {@code native} for a JNI call such as RocksDB, {@code wait} for parked or
 * blocked), written in collapsed-stack form ({@code state;root;...;leaf count}, root first).
 *
 * <p>Why besides JFR: JFR's ExecutionSample sees only Java frames, and its NativeMethodSample takes one thread per
 * period among all threads in native code, so a stream thread's RocksDB time and its waits for the broker cannot be
 * put next to its Java time. This sampler sees every state of the threads it watches at the same rate. Its samples
 * are taken at safepoints (biased within Java code), so use it for coarse shares (store calls, waits, Java), and
 * JFR for the split of the Java time.
 */
final class StackSampler implements AutoCloseable {
    private final Map<String, Long> counts = new HashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final Path out;

    StackSampler(long periodMs, Path out) {
        this.out = out;
        this.thread = new Thread(() -> loop(periodMs), "stack-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop(long periodMs) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        while (running.get()) {
            long[] ids = mx.getAllThreadIds();
            for (ThreadInfo t : mx.getThreadInfo(ids, Integer.MAX_VALUE)) {
                if (t == null || !t.getThreadName().contains("-StreamThread-") || t.getThreadName().startsWith("kafka-")) {
                    continue;
                }
                String state = switch (t.getThreadState()) {
                    case RUNNABLE -> t.isInNative() ? "native" : "java";
                    default -> "wait";
                };
                StringBuilder b = new StringBuilder(state);
                StackTraceElement[] st = t.getStackTrace();
                for (int i = st.length - 1; i >= 0; i--) {
                    b.append(';').append(st[i].getClassName()).append('.').append(st[i].getMethodName());
                }
                synchronized (counts) {
                    counts.merge(b.toString(), 1L, Long::sum);
                }
            }
            try {
                Thread.sleep(periodMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling and writes the collapsed stacks. */
    @Override
    public void close() throws IOException {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            synchronized (counts) {
                counts.forEach((stack, n) -> w.println(stack + " " + n));
            }
        }
    }
}
