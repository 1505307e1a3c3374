package io.attestream.deploy.stack.junit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny shell process that stops the stack's services when the test JVM dies without closing
 * them (SIGKILL, a killed build): it polls the test JVM's PID, then sends SIGTERM to the services
 * and SIGKILL 30 s later to those still alive. It identifies each service by PID and start time
 * ({@code /proc/<pid>/stat} field 22), so a recycled PID is never signalled.
 */
final class OrphanWatchdog {
    private static final String SCRIPT = String.join("\n",
            "st() { cut -d' ' -f22 \"/proc/$1/stat\" 2>/dev/null; }",
            "parent=$1; shift",
            "starts=''; for p in \"$@\"; do starts=\"$starts $p:$(st $p)\"; done",
            "same() { for e in $starts; do [ \"${e%%:*}\" = \"$1\" ] && [ -n \"$(st $1)\" ] && [ \"${e#*:}\" = \"$(st $1)\" ] && return 0; done; return 1; }",
            "while kill -0 \"$parent\" 2>/dev/null; do sleep 1; done",
            "for p in \"$@\"; do same $p && kill $p; done",
            "i=0",
            "while [ $i -lt 30 ]; do",
            "  alive=0; for p in \"$@\"; do same $p && alive=1; done",
            "  [ $alive = 0 ] && exit 0",
            "  sleep 1; i=$((i+1))",
            "done",
            "for p in \"$@\"; do same $p && kill -9 $p; done",
            "");

    private OrphanWatchdog() {
    }

    /**
     * @param parentPid the process whose death triggers the stop (the test JVM)
     * @param pids the services' PIDs
     * @return the watchdog process; destroy it once the services are stopped normally
     */
    static Process watch(long parentPid, List<Long> pids) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "attestream-watchdog",
                Long.toString(parentPid)));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        try {
            return new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the orphan watchdog (/bin/sh)", e);
        }
    }
}
