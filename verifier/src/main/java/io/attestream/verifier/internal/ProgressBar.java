package io.attestream.verifier.internal;

import io.attestream.integrity.LogId;
import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar redrawn on stderr at most five times a second. */
public final class ProgressBar implements AuditRunner.Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream err;
    private long total = -1;
    private long started;
    private long lastDraw;

    /**
     * @param err where to draw (stderr)
     */
    public ProgressBar(PrintStream err) {
        this.err = err;
    }

    @Override
    public void start(long totalRows) {
        total = totalRows;
        started = System.nanoTime();
        lastDraw = started;
    }

    @Override
    public void row(long rowsDone, LogId log) {
        if ((rowsDone & 1023) != 0) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        draw(rowsDone, log, now);
    }

    private void draw(long done, LogId log, long now) {
        double rate = done * 1e9 / Math.max(1, now - started);
        StringBuilder sb = new StringBuilder("\r[");
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, done * WIDTH / total);
            sb.append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3d%% %,d/%,d rows", done * 100 / total, done, total));
        } else {
            sb.append("?".repeat(WIDTH)).append("] ").append(String.format(Locale.ROOT, "%,d rows", done));
        }
        sb.append(String.format(Locale.ROOT, "  %,.0f rows/s  %s/%s", rate, log.tenant(), log.agentId()));
        String line = sb.length() > 110 ? sb.substring(0, 110) : sb.toString();
        err.print(line + "\u001b[K");
        err.flush();
    }

    @Override
    public void done() {
        err.print("\r\u001b[K");
        err.flush();
    }
}
