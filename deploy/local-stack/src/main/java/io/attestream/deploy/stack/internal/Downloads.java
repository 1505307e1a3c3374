package io.attestream.deploy.stack.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.StackException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Downloads Maven artifacts into the cache directory and unpacks them, so that a second start finds
 * everything in place. A download goes to a {@code .part} file that is checked against Maven
 * Central's SHA-1 and renamed only when complete; an unpack goes to a temporary directory renamed
 * only when complete. Anything partial is removed on failure, so a retry starts clean. A file lock
 * in the cache directory keeps two processes from installing the same thing at once.
 */
public final class Downloads {
    /** Environment variable overriding the Maven repository base URL. */
    public static final String MAVEN_REPO_ENV = "ATTESTREAM_MAVEN_REPO";
    private static final String CENTRAL = "https://repo.maven.apache.org/maven2";
    private static final String COMPLETE_MARKER = ".attestream-complete";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private Downloads() {
    }

    /**
     * A Maven artifact.
     *
     * @param groupId group
     * @param artifactId artifact
     * @param version version
     * @param classifier classifier, may be empty
     * @param type extension, e.g. {@code tar.gz}
     */
    public record Artifact(String groupId, String artifactId, String version, String classifier, String type) {
        /** Validates. */
        public Artifact {
            requireNonNull(groupId, "groupId");
            requireNonNull(artifactId, "artifactId");
            requireNonNull(version, "version");
            requireNonNull(classifier, "classifier");
            requireNonNull(type, "type");
        }

        /** @return its file name */
        public String fileName() {
            return artifactId + "-" + version + (classifier.isEmpty() ? "" : "-" + classifier) + "." + type;
        }

        /** @return its path in a Maven repository */
        public String repositoryPath() {
            return groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + fileName();
        }
    }

    /**
     * Makes sure {@code target} holds the unpacked tarball of an artifact.
     *
     * @param artifact a {@code tar.gz} artifact
     * @param target the directory to unpack into (created; its existence with a completion marker means done)
     * @param cacheDir the cache directory (lock and download location)
     * @param progress receives human-readable progress lines
     * @return {@code target}
     */
    public static Path ensureUnpacked(Artifact artifact, Path target, Path cacheDir, Consumer<String> progress) {
        return ensureUnpacked(artifact, target, cacheDir, remoteRepository(), localRepository(), progress);
    }

    /**
     * {@link #ensureUnpacked(Artifact, Path, Path, Consumer)} with explicit repositories.
     *
     * @param artifact a {@code tar.gz} artifact
     * @param target the directory to unpack into
     * @param cacheDir the cache directory
     * @param remote base URL of the Maven repository to download from
     * @param local a local Maven repository to look in first
     * @param progress receives progress lines
     * @return {@code target}
     */
    public static Path ensureUnpacked(Artifact artifact, Path target, Path cacheDir, URI remote, Path local,
            Consumer<String> progress) {
        if (Files.exists(target.resolve(COMPLETE_MARKER))) {
            return target;
        }
        try {
            Files.createDirectories(cacheDir);
            try (FileChannel ch = FileChannel.open(cacheDir.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = ch.lock();
                try {
                    if (Files.exists(target.resolve(COMPLETE_MARKER))) {
                        return target;
                    }
                    return unpack(artifact, target, cacheDir, remote, local, progress);
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new StackException("cannot install " + artifact.fileName() + " into " + target + ": "
                    + e.getMessage() + " (check free space and permissions of cache.dir " + cacheDir + ")", e);
        }
    }

    private static Path unpack(Artifact artifact, Path target, Path cacheDir, URI remote, Path local,
            Consumer<String> progress) throws IOException {
        Path tarball = fetch(artifact, remote, local, cacheDir.resolve("downloads"), progress);
        Path tmp = Files.createTempDirectory(cacheDir, target.getFileName() + ".unpacking-");
        try {
            progress.accept("unpacking " + artifact.fileName() + " into " + target);
            untar(tarball, tmp);
            Files.writeString(tmp.resolve(COMPLETE_MARKER), artifact.fileName() + "\n");
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
        return target;
    }

    /** @return {@code $ATTESTREAM_MAVEN_REPO}, else Maven Central */
    public static URI remoteRepository() {
        String env = System.getenv(MAVEN_REPO_ENV);
        return URI.create(env == null || env.isBlank() ? CENTRAL : env);
    }

    /** @return {@code ~/.m2/repository} */
    public static Path localRepository() {
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /**
     * Finds an artifact in the local Maven repository, or downloads it into {@code dir}, checked
     * against the repository's SHA-1.
     *
     * @param artifact the artifact
     * @param remote base URL of the Maven repository
     * @param local local Maven repository looked in first
     * @param dir download directory
     * @param progress receives progress lines
     * @return the verified file
     */
    public static Path fetch(Artifact artifact, URI remote, Path local, Path dir, Consumer<String> progress) {
        Path m2 = local.resolve(artifact.repositoryPath());
        Path m2sha = m2.resolveSibling(m2.getFileName() + ".sha1");
        try {
            if (Files.isRegularFile(m2) && (!Files.exists(m2sha) || sha1(m2).equals(expectedSha1(Files.readString(m2sha))))) {
                return m2;
            }
            Path file = dir.resolve(artifact.fileName());
            Path shaFile = dir.resolve(artifact.fileName() + ".sha1");
            if (Files.isRegularFile(file) && Files.isRegularFile(shaFile)
                    && sha1(file).equals(expectedSha1(Files.readString(shaFile)))) {
                return file;
            }
            Files.createDirectories(dir);
            String base = remote.toString();
            URI uri = URI.create((base.endsWith("/") ? base : base + "/") + artifact.repositoryPath());
            String expected;
            try (InputStream in = open(URI.create(uri + ".sha1")).getInputStream()) {
                expected = expectedSha1(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
            Path part = dir.resolve(artifact.fileName() + ".part");
            try {
                download(uri, part, artifact.fileName(), progress);
                String actual = sha1(part);
                if (!actual.equals(expected)) {
                    throw new StackException("download of " + uri + " is corrupt: SHA-1 " + actual + ", expected "
                            + expected + "; the partial file was removed, retry");
                }
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(shaFile, expected + "\n");
            } finally {
                Files.deleteIfExists(part);
            }
            return file;
        } catch (IOException e) {
            throw new StackException("cannot download " + artifact.fileName() + ": " + e.getMessage()
                    + " (partial files removed; retry, or set " + MAVEN_REPO_ENV + " to a reachable Maven repository)", e);
        }
    }

    /**
     * Opens a GET. URLConnection rather than HttpClient for its read timeout: a server that stalls
     * mid-body fails the download after {@link #IDLE_TIMEOUT} instead of hanging {@code up} forever.
     */
    private static HttpURLConnection open(URI uri) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        c.setReadTimeout((int) IDLE_TIMEOUT.toMillis());
        c.setInstanceFollowRedirects(true);
        int status = c.getResponseCode();
        if (status != 200) {
            c.disconnect();
            throw new IOException("GET " + uri + " answered HTTP " + status);
        }
        return c;
    }

    private static void download(URI uri, Path part, String name, Consumer<String> progress) throws IOException {
        HttpURLConnection c = open(uri);
        long total = c.getContentLengthLong();
        progress.accept("downloading " + uri + (total > 0 ? " (" + total / (1 << 20) + " MiB)" : ""));
        long done = 0;
        int lastDecile = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = c.getInputStream(); OutputStream out = Files.newOutputStream(part)) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                done += n;
                if (total > 0 && done * 10 / total > lastDecile) {
                    lastDecile = (int) (done * 10 / total);
                    progress.accept(String.format(Locale.ROOT, "  %s: %d%% (%d / %d MiB)", name, lastDecile * 10,
                            done >> 20, total >> 20));
                }
            }
        }
        if (total > 0 && done != total) {
            throw new IOException("download of " + uri + " stopped at " + done + " of " + total + " bytes");
        }
    }

    private static void untar(Path tarball, Path into) throws IOException {
        // The JDK has no tar reader; tar(1) is on every machine that runs this stack.
        Process p = new ProcessBuilder(List.of("tar", "-xzf", tarball.toString(), "-C", into.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("tar -xzf " + tarball + " failed: " + out.strip()
                        + (tarball.toString().contains(".m2") ? " (delete the corrupt file from ~/.m2 and retry)" : ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while unpacking " + tarball, e);
        }
    }

    private static String expectedSha1(String shaFileText) {
        String t = shaFileText.strip();
        int space = t.indexOf(' ');
        return (space > 0 ? t.substring(0, space) : t).toLowerCase(Locale.ROOT);
    }

    /**
     * @param file a file
     * @return its SHA-1, lower-case hex
     * @throws IOException when unreadable
     */
    static String sha1(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /**
     * Deletes a directory tree if it exists.
     *
     * @param dir the tree
     * @throws IOException when a file cannot be deleted
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
