package io.attestream.ingest.gateway;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.micrometer.core.instrument.Counter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the time a worker spends reading one request, headers and body, so that a client that stops sending (or
 * trickles) cannot hold a worker for longer than {@link GatewayConfig#REQUEST_READ_TIMEOUT_MS_CONFIG}.
 *
 * <p>The JDK server reads the request line and headers on the worker, inside the task it hands to the executor, and
 * the handler then reads the body on the same thread from a blocking {@code SocketChannel}. {@link #guard} wraps
 * that task: its deadline starts when a worker picks it up. {@link #filter} wraps the request body and marks the
 * request read when the body is complete (end of stream, the declared Content-Length reached, or the handler
 * closing it, which makes the JDK drain the rest), or at once for a request without a body. A watchdog thread
 * checks the running tasks every {@link #checkIntervalMillis}; one still reading past its deadline is marked timed
 * out and its worker interrupted. An interrupt closes the blocked channel ({@code ClosedByInterruptException}): the
 * JDK closes the connection and the worker is free. No 408 is answered, since the interrupt closes the socket.
 *
 * <p>Once a request is timed out, its body stream delivers nothing more and cannot complete, so a handler MUST read
 * its whole body through {@link HttpExchange#getRequestBody()} before it acts on it (both handlers do: they read it
 * into memory first), and then nothing of a timed-out request reaches Kafka. Marking read and timing out are one
 * lock apart, so a worker past its read phase (producing, waiting for acks) is never interrupted, and the interrupt
 * flag is cleared before the worker takes its next task. Code running while a request is being read MUST NOT use an
 * interruptible channel other than the request's own (the handlers only check keys and headers there).
 *
 * <p>Why not the JDK's {@code sun.net.httpserver.maxReqTime}: it is a JVM-wide system property in seconds, read
 * once by a static initialiser, so two gateways in one JVM (the tests) could not have their own.
 */
final class RequestReadTimeout implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestReadTimeout.class);
    private static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();

    private final long timeoutNanos;
    private final long timeoutMillis;
    private final Counter timeouts;
    private final Set<Task> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;

    /**
     * @param timeoutMillis the bound on reading one request, at least 1
     * @param timeouts counts the requests timed out
     */
    RequestReadTimeout(long timeoutMillis, Counter timeouts) {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeoutMillis must be at least 1, got " + timeoutMillis);
        }
        this.timeoutMillis = timeoutMillis;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.timeouts = requireNonNull(timeouts, "timeouts");
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "attestream-gateway-read-timeout");
            t.setDaemon(true);
            return t;
        });
        long check = checkIntervalMillis(timeoutMillis);
        watchdog.scheduleWithFixedDelay(this::expireOverdue, check, check, TimeUnit.MILLISECONDS);
    }

    /**
     * How often the watchdog looks: a request is cut between its deadline and this much later. A tenth of the
     * timeout, within 10 ms..1 s; a check walks only the tasks running now (at most gateway.threads).
     */
    static long checkIntervalMillis(long timeoutMillis) {
        return Math.max(10, Math.min(1000, timeoutMillis / 10));
    }

    /** The executor to give the HTTP server: runs each of its tasks on {@code workers} under a read deadline. */
    Executor guard(Executor workers) {
        requireNonNull(workers, "workers");
        return task -> workers.execute(new Task(task));
    }

    /** The filter to add to every context: wraps the request body to mark the request read. */
    Filter filter() {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                Task task = CURRENT.get();
                if (task == null) {
                    throw new IllegalStateException("exchange not run by this gateway's guarded executor");
                }
                task.remote = exchange.getRemoteAddress();
                long length = declaredLength(exchange.getRequestHeaders());
                if (length == 0) {
                    task.read();
                } else {
                    exchange.setStreams(new Body(exchange.getRequestBody(), task, length), null);
                }
                chain.doFilter(exchange);
            }

            @Override
            public String description() {
                return "request read timeout";
            }
        };
    }

    /** 0 without a body, the Content-Length when given, -1 for a chunked body (or an unparsable length). */
    private static long declaredLength(Headers headers) {
        if (headers.containsKey("Transfer-Encoding")) {
            return -1;
        }
        String length = headers.getFirst("Content-Length");
        if (length == null) {
            return 0;
        }
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        for (Task task : running) {
            if (now - task.deadline >= 0 && task.expire()) {
                timeouts.increment();
                InetSocketAddress remote = task.remote;
                LOG.warn("request {} not read within {} ms: connection closed, worker freed", remote == null
                        ? "(headers incomplete)" : "from " + remote, timeoutMillis);
            }
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }

    /** One request on one worker, from the moment the worker picks it up. */
    private final class Task implements Runnable {
        private static final int READING = 0;
        private static final int READ = 1;
        private static final int TIMED_OUT = 2;
        private static final int FINISHED = 3;

        private final Runnable exchange;
        private Thread worker;
        private int state;
        volatile long deadline;
        volatile InetSocketAddress remote;

        Task(Runnable exchange) {
            this.exchange = exchange;
        }

        @Override
        public void run() {
            synchronized (this) {
                worker = Thread.currentThread();
                state = READING;
                deadline = System.nanoTime() + timeoutNanos;
            }
            CURRENT.set(this);
            running.add(this);
            try {
                exchange.run();
            } finally {
                running.remove(this);
                CURRENT.remove();
                boolean interrupted;
                synchronized (this) {
                    interrupted = state == TIMED_OUT;
                    state = FINISHED;
                }
                if (interrupted) {
                    // Ours, delivered under the lock before FINISHED: never carried into the worker's next task.
                    Thread.interrupted();
                }
            }
        }

        /** The request is completely read: from now on the worker is never interrupted for it. */
        synchronized void read() throws IOException {
            if (state == TIMED_OUT) {
                throw timedOut();
            }
            if (state == READING) {
                state = READ;
            }
        }

        synchronized void checkNotTimedOut() throws IOException {
            if (state == TIMED_OUT) {
                throw timedOut();
            }
        }

        /** Times the request out if it is still being read; whether it did. */
        synchronized boolean expire() {
            if (state != READING) {
                return false;
            }
            state = TIMED_OUT;
            worker.interrupt();
            return true;
        }

        private IOException timedOut() {
            return new IOException("request not read within " + timeoutMillis + " ms ("
                    + GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG + ")");
        }
    }

    /** The request body; complete at its end, at the declared length, or when closed. */
    private static final class Body extends FilterInputStream {
        private final Task task;
        private long remaining;

        Body(InputStream in, Task task, long declaredLength) {
            super(in);
            this.task = task;
            this.remaining = declaredLength;
        }

        @Override
        public int read() throws IOException {
            task.checkNotTimedOut();
            int b = in.read();
            counted(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            task.checkNotTimedOut();
            int n = in.read(b, off, len);
            counted(n);
            return n;
        }

        private void counted(int n) throws IOException {
            if (n < 0) {
                task.read();
            } else if (remaining > 0) {
                remaining -= n;
                if (remaining == 0) {
                    task.read();
                }
            }
        }

        @Override
        public void close() throws IOException {
            // The JDK's close drains what the handler left (up to its drain limit; beyond, it closes the connection
            // after the answer): after it returns, nothing more of this request is read.
            in.close();
            task.read();
        }
    }
}
