package io.attestream.deploy.chdb.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Keeps the JVM's signal handlers when libchdb is loaded into a JVM without libjsig preloaded.
 * libchdb installs handlers for SIGSEGV and friends when it is loaded (static initializers run
 * before {@code chdb_set_signal_handlers_enabled(0)} can be called); the JVM relies on its own
 * SIGSEGV handler for implicit null checks and on SIGUSR2/SIGQUIT for thread suspension and
 * diagnostics, so a replaced handler turns the next NullPointerException into exit code 139.
 *
 * <p>With libjsig preloaded (what {@code ChdbServerProcess} does) libjsig already chains
 * handlers correctly and this guard does nothing: restoring through libjsig's interposed
 * {@code sigaction} would register the JVM's handler as a chained one.
 */
final class SignalGuard {

    /** Signals the HotSpot JVM installs handlers for on Linux. */
    private static final Map<String, Integer> JVM_SIGNALS = new LinkedHashMap<>();

    static {
        JVM_SIGNALS.put("SIGHUP", 1);
        JVM_SIGNALS.put("SIGINT", 2);
        JVM_SIGNALS.put("SIGQUIT", 3);
        JVM_SIGNALS.put("SIGILL", 4);
        JVM_SIGNALS.put("SIGTRAP", 5);
        JVM_SIGNALS.put("SIGBUS", 7);
        JVM_SIGNALS.put("SIGFPE", 8);
        JVM_SIGNALS.put("SIGUSR2", 12);
        JVM_SIGNALS.put("SIGSEGV", 11);
        JVM_SIGNALS.put("SIGPIPE", 13);
        JVM_SIGNALS.put("SIGTERM", 15);
        JVM_SIGNALS.put("SIGXFSZ", 25);
    }

    /** glibc's struct sigaction is 152 bytes on x86-64; the buffer is treated as opaque. */
    private static final int SIGACTION_SIZE = 256;

    interface LibC extends Library {
        int sigaction(int signum, Pointer act, Pointer oldact);
    }

    private final LibC libc;
    private final Map<Integer, Memory> saved = new LinkedHashMap<>();

    private SignalGuard(LibC libc) {
        this.libc = libc;
    }

    /** True when the JVM's libjsig.so is mapped into this process. */
    static boolean libjsigLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libjsig.so");
        } catch (IOException e) {
            return false;
        }
    }

    /** Snapshots the current handlers, or returns null when libjsig makes that unnecessary. */
    static SignalGuard saveIfNeeded() {
        if (libjsigLoaded()) {
            return null;
        }
        SignalGuard g = new SignalGuard(Native.load("c", LibC.class));
        for (int sig : JVM_SIGNALS.values()) {
            Memory m = new Memory(SIGACTION_SIZE);
            m.clear();
            if (g.libc.sigaction(sig, null, m) == 0) {
                g.saved.put(sig, m);
            }
        }
        return g;
    }

    /** Reinstalls every snapshot handler that changed; returns the names of the restored signals. */
    String restore() {
        StringBuilder restored = new StringBuilder();
        for (Map.Entry<String, Integer> e : JVM_SIGNALS.entrySet()) {
            Memory before = saved.get(e.getValue());
            if (before == null) {
                continue;
            }
            Memory now = new Memory(SIGACTION_SIZE);
            now.clear();
            libc.sigaction(e.getValue(), null, now);
            // Compare the handler pointer (first field of struct sigaction).
            if (now.getLong(0) != before.getLong(0)) {
                libc.sigaction(e.getValue(), before, null);
                restored.append(restored.length() == 0 ? "" : ",").append(e.getKey());
            }
        }
        return restored.toString();
    }
}
