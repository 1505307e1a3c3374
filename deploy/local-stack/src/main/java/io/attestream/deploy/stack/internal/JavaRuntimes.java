package io.attestream.deploy.stack.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds Java runtimes on this machine by the {@code release} file of their home. */
public final class JavaRuntimes {
    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);

    private JavaRuntimes() {
    }

    /**
     * A Java runtime.
     *
     * @param home its home directory
     * @param feature its feature version (17, 21, 25, ...)
     */
    public record Jdk(Path home, int feature) {
        /** Validates. */
        public Jdk {
            requireNonNull(home, "home");
        }

        /** @return its {@code bin/java} */
        public Path java() {
            return home.resolve("bin").resolve("java");
        }
    }

    /** @return the runtime running this JVM */
    public static Jdk current() {
        return new Jdk(Path.of(System.getProperty("java.home")), Runtime.version().feature());
    }

    /**
     * @param javaHomeOrExecutable a Java home or its {@code bin/java}
     * @return that runtime
     * @throws StackException when it is not a Java installation
     */
    public static Jdk at(Path javaHomeOrExecutable) {
        Path home = javaHomeOrExecutable.toAbsolutePath().normalize();
        if (Files.isRegularFile(home) && home.getParent() != null && home.getParent().getParent() != null) {
            home = home.getParent().getParent();
        }
        Optional<Integer> feature = feature(home);
        if (feature.isEmpty() || !Files.isExecutable(home.resolve("bin/java"))) {
            throw new StackException(javaHomeOrExecutable + " is not a Java installation (no bin/java and release "
                    + "file); fix " + StackConfig.REGISTRY_JAVA_CONFIG + " (option "
                    + StackConfig.optionFor(StackConfig.REGISTRY_JAVA_CONFIG) + ")");
        }
        return new Jdk(home, feature.get());
    }

    /**
     * @param minimum the lowest acceptable feature version
     * @return the newest runtime at least that new: this JVM, {@code $JAVA_HOME} or one under
     *     {@code /usr/lib/jvm}
     */
    public static Optional<Jdk> newestAtLeast(int minimum) {
        List<Jdk> found = new ArrayList<>();
        found.add(current());
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            feature(Path.of(javaHome)).ifPresent(f -> found.add(new Jdk(Path.of(javaHome), f)));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(jvms)) {
                for (Path d : dirs) {
                    if (Files.isExecutable(d.resolve("bin/java"))) {
                        feature(d).ifPresent(f -> found.add(new Jdk(d, f)));
                    }
                }
            } catch (IOException ignored) {
                // an unreadable /usr/lib/jvm just means fewer candidates
            }
        }
        return found.stream().filter(r -> r.feature() >= minimum)
                .max(Comparator.comparingInt(Jdk::feature).thenComparing(r -> r.home().toString()));
    }

    private static Optional<Integer> feature(Path home) {
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(home.resolve("release"), StandardCharsets.UTF_8));
            if (m.find()) {
                return Optional.of(Integer.parseInt(m.group(1)));
            }
        } catch (IOException | NumberFormatException ignored) {
            // not a JDK/JRE home
        }
        return Optional.empty();
    }
}
