package io.attestream.testing;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need something outside the JVM (openssl, go, chromium, a registry
 * feature): when it is missing, the test is skipped with a visible reason on a developer machine, and
 * FAILS when the environment variable {@code CI} is {@code true} (CI must run every oracle, never report
 * green because a tool was absent).
 *
 * <p>Call it at the start of the test (or of the part that needs the tool), e.g.
 * {@code Path openssl = ExternalTool.require("openssl", "openssl ts verifies our tokens");}.
 */
public final class ExternalTool {
    /** The environment variable CI systems set; {@code .ci/run} sets it too. */
    public static final String CI_ENV = "CI";

    private ExternalTool() {
    }

    /**
     * Whether this run is CI: {@code CI=true} (any case) in the environment.
     *
     * @return true in CI
     */
    public static boolean inCi() {
        return inCi(System.getenv());
    }

    static boolean inCi(Map<String, String> env) {
        String v = env.get(CI_ENV);
        return v != null && v.trim().toLowerCase(Locale.ROOT).equals("true");
    }

    /**
     * Finds an executable on the PATH, or skips / fails (in CI) the calling test.
     *
     * @param name the executable, e.g. "openssl"
     * @param purpose what the test needs it for, shown in the skip or failure message
     * @return the executable's path
     */
    public static Path require(String name, String purpose) {
        requireNonNull(name, "name");
        Optional<Path> found = onPath(name, System.getenv("PATH"));
        requirePresent(found.isPresent(), name + " on the PATH", purpose);
        return found.orElseThrow();
    }

    /**
     * Skips / fails (in CI) the calling test unless {@code present}.
     *
     * @param present whether the prerequisite is there
     * @param what the prerequisite, e.g. "Go package golang.org/x/mod/sumdb/tlog under /usr/share/gocode"
     * @param purpose what the test needs it for
     */
    public static void requirePresent(boolean present, String what, String purpose) {
        requireNonNull(what, "what");
        requireNonNull(purpose, "purpose");
        check(present, inCi(), what, purpose);
    }

    static void check(boolean present, boolean ci, String what, String purpose) {
        if (present) {
            return;
        }
        if (ci) {
            Assertions.fail("CI=true and " + what + " is missing; it is needed because " + purpose
                    + " (install it: .ci/run does)");
        }
        Assumptions.abort("skipped: " + what + " is missing; it is needed because " + purpose
                + " (with CI=true this fails)");
    }

    static Optional<Path> onPath(String name, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
