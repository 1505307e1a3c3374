package io.attestream.deploy.stack.internal;

import io.attestream.deploy.stack.StackException;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * The classpath given to the JVM services (Kafka, the ClickHouse front): this JVM's own. The CLI's
 * shaded jar holds everything they need, and so does the test classpath of any module depending on
 * this one. Manifest-only jars (surefire/failsafe booter jars) are expanded to the entries of their
 * {@code Class-Path}, because they are deleted when the test JVM exits while the services may not.
 */
public final class ChildClasspath {
    private ChildClasspath() {
    }

    /** @return this JVM's classpath, flattened, as one {@code java -cp} value */
    public static String current() {
        return join(entries());
    }

    private static String join(List<Path> entries) {
        StringBuilder sb = new StringBuilder();
        for (Path p : entries) {
            if (sb.length() > 0) {
                sb.append(File.pathSeparatorChar);
            }
            sb.append(p);
        }
        return sb.toString();
    }

    /** @return this JVM's classpath entries, flattened, absolute */
    public static List<Path> entries() {
        Set<Path> out = new LinkedHashSet<>();
        Deque<Path> todo = new ArrayDeque<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                todo.add(Path.of(entry).toAbsolutePath().normalize());
            }
        }
        Set<Path> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            Path p = todo.removeFirst();
            if (!seen.add(p) || !Files.exists(p)) {
                continue;
            }
            if (!Files.isRegularFile(p) || !p.getFileName().toString().endsWith(".jar")) {
                out.add(p);
                continue;
            }
            try (JarFile jar = new JarFile(p.toFile())) {
                Manifest mf = jar.getManifest();
                String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
                if (cp != null && !cp.isBlank()) {
                    for (String ref : cp.trim().split("\\s+")) {
                        todo.add(resolve(p, ref));
                    }
                    if (manifestOnly(jar)) {
                        continue;
                    }
                }
                out.add(p);
            } catch (IOException e) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }

    /**
     * @param className a class the child needs
     * @param what what it is for, naming the dependency that provides it
     * @throws StackException when it is not on this JVM's classpath
     */
    public static void require(String className, String what) {
        try {
            Class.forName(className, false, ChildClasspath.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new StackException(className + " is not on the classpath; " + what);
        }
    }

    /**
     * Writes a {@code java} argument file holding {@code -cp CLASSPATH}: classpaths of test JVMs
     * exceed what one command-line argument may hold.
     *
     * @param file where
     * @return {@code @file}, the argument that makes {@code java} read it
     */
    public static String argFile(Path file) {
        return writeArgFile(file, current());
    }

    /**
     * As {@link #argFile(Path)}, with every jar before every directory: a JVM writing an application class-data
     * archive ({@code -XX:ArchiveClassesAtExit}) refuses a classpath with a non-empty directory ahead of a jar, and
     * archives only classes from jars. For JVMs whose classes come from jars (the stages' own modules); classes of
     * a directory are still found, after the jars.
     *
     * @param file where
     * @return {@code @file}
     */
    public static String argFileJarsFirst(Path file) {
        List<Path> jars = new ArrayList<>();
        List<Path> directories = new ArrayList<>();
        for (Path p : entries()) {
            (Files.isDirectory(p) ? directories : jars).add(p);
        }
        jars.addAll(directories);
        return writeArgFile(file, join(jars));
    }

    private static String writeArgFile(Path file, String classpath) {
        String cp = classpath.replace("\\", "\\\\").replace("\"", "\\\"");
        try {
            Files.writeString(file, "-cp \"" + cp + "\"\n");
        } catch (IOException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return "@" + file;
    }

    private static Path resolve(Path jar, String ref) {
        try {
            URI uri = new URI(ref);
            if (uri.isAbsolute()) {
                return Path.of(uri).normalize();
            }
            return jar.getParent().resolve(Path.of(uri.getPath())).normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return jar.getParent().resolve(ref).normalize();
        }
    }

    private static boolean manifestOnly(JarFile jar) {
        Enumeration<? extends ZipEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
            if (!entries.nextElement().getName().startsWith("META-INF/")) {
                return false;
            }
        }
        return true;
    }
}
