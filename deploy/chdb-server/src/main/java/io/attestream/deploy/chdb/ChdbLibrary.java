package io.attestream.deploy.chdb;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Fetches and caches libchdb, the ClickHouse engine as a shared library, from the npm package
 * {@value #NPM_PACKAGE}@{@value #VERSION}.
 *
 * <p>Layout: {@code <cacheDir>/chdb-<version>/libchdb.so} plus a {@code .complete} marker written
 * last, so a directory without the marker is never used. The tarball is fetched with
 * {@code npm pack} (npm's own registry and proxy configuration apply), its sha512 is checked
 * against the integrity pinned here, and it is unpacked into a temporary directory that is
 * renamed into place. Any failure removes the partial files; calling again retries. Concurrent
 * installers (two JVMs) are serialized by a file lock.
 */
public final class ChdbLibrary {

    /** npm package carrying libchdb for x86-64 glibc Linux. */
    public static final String NPM_PACKAGE = "@chdb/lib-linux-x64-gnu";
    /** Package version; libchdb inside reports ClickHouse 26.5. */
    public static final String VERSION = "26.5.3";
    /** npm integrity of the tarball (as printed by {@code npm view ... dist.integrity}). */
    public static final String INTEGRITY =
            "sha512-fPrLmRt5Moor9yGz4mazbrNje4t7X9KB2mTGkXFWRxRBs2iKy8yh6jx11xsa0Qr3iDFMU/yHqd+bVdYJXu3QaQ==";
    /** Environment variable overriding the cache directory. */
    public static final String CACHE_ENV = "ATTESTREAM_CACHE";

    private static final String LIB_NAME = "libchdb.so";
    private static final String MARKER = ".complete";
    private static final long NPM_TIMEOUT_MINUTES = 15;

    private ChdbLibrary() {
    }

    /** {@code $ATTESTREAM_CACHE}, else {@code ~/.cache/attestream}. */
    public static Path defaultCacheDir() {
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "attestream");
    }

    /** Where {@link #ensureInstalled} puts the library under {@code cacheDir}. */
    public static Path installDir(Path cacheDir) {
        return cacheDir.resolve("chdb-" + VERSION);
    }

    /**
     * Returns the path of libchdb.so under {@code cacheDir}, downloading and unpacking it first
     * if it is not there yet. Instant when already installed.
     *
     * @param progress receives human-readable progress lines (download, verify, unpack)
     * @throws ChdbServerException naming the cause; partial files are removed before it is thrown
     */
    public static Path ensureInstalled(Path cacheDir, Consumer<String> progress) {
        return ensureInstalled(cacheDir, progress, List.of("npm", "pack", NPM_PACKAGE + "@" + VERSION, "--silent"));
    }

    /** Same, with the command that must leave the package tarball in its working directory. */
    static Path ensureInstalled(Path cacheDir, Consumer<String> progress, List<String> fetchCommand) {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(fetchCommand, "fetchCommand");
        Path dir = installDir(cacheDir);
        Path lib = dir.resolve(LIB_NAME);
        if (isComplete(dir)) {
            return lib;
        }
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new ChdbServerException("cannot create cache directory " + cacheDir + " (set " + CACHE_ENV
                    + " to a writable directory): " + e.getMessage(), e);
        }
        Path lockFile = cacheDir.resolve("chdb-" + VERSION + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.lock();
            try {
                if (!isComplete(dir)) {
                    install(cacheDir, dir, progress, fetchCommand);
                }
                return lib;
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw new ChdbServerException("cannot lock " + lockFile + " to install libchdb: " + e.getMessage(), e);
        }
    }

    private static boolean isComplete(Path dir) {
        return Files.isRegularFile(dir.resolve(MARKER)) && Files.isRegularFile(dir.resolve(LIB_NAME));
    }

    private static void install(Path cacheDir, Path dir, Consumer<String> progress, List<String> fetchCommand) {
        long t0 = System.nanoTime();
        Path work = cacheDir.resolve("chdb-" + VERSION + ".partial");
        try {
            deleteRecursively(work);
            deleteRecursively(dir);
            Files.createDirectories(work);
            progress.accept("libchdb " + VERSION + " not in " + cacheDir + ": fetching " + NPM_PACKAGE + "@" + VERSION
                    + " with npm pack (about 167 MB, first use only)...");
            Path tarball = npmPack(work, progress, fetchCommand);
            progress.accept(String.format("downloaded %.1f MB in %.1f s; verifying sha512...",
                    Files.size(tarball) / 1e6, (System.nanoTime() - t0) / 1e9));
            verifyIntegrity(tarball);
            progress.accept("unpacking " + LIB_NAME + " (about 560 MB)...");
            Path unpacked = work.resolve("unpacked");
            Files.createDirectories(unpacked);
            untarGz(tarball, unpacked, List.of("package/" + LIB_NAME, "package/package.json"));
            if (!Files.isRegularFile(unpacked.resolve(LIB_NAME))) {
                throw new ChdbServerException("the npm tarball of " + NPM_PACKAGE + "@" + VERSION + " has no "
                        + LIB_NAME + "; partial files removed");
            }
            Files.writeString(unpacked.resolve(MARKER), INTEGRITY + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(unpacked, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(unpacked, dir);
            }
            deleteRecursively(work);
            progress.accept(String.format("libchdb %s installed in %s (%.1f s)", VERSION, dir,
                    (System.nanoTime() - t0) / 1e9));
        } catch (IOException | RuntimeException e) {
            cleanupQuietly(work);
            cleanupQuietly(dir);
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            progress.accept("libchdb download failed; partial files removed: " + why);
            throw new ChdbServerException("installing libchdb " + VERSION + " into " + dir + " failed: " + why
                    + " (partial files removed; run again to retry, or set " + CACHE_ENV + ")", e);
        }
    }

    private static Path npmPack(Path work, Consumer<String> progress, List<String> fetchCommand) throws IOException {
        Path log = work.resolve("npm-pack.log");
        ProcessBuilder pb = new ProcessBuilder(fetchCommand)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ChdbServerException("cannot run npm (needed once to fetch " + NPM_PACKAGE + "@" + VERSION
                    + "): " + e.getMessage() + "; install Node.js/npm, or unpack the package yourself into "
                    + work.getParent().resolve("chdb-" + VERSION) + " with a " + MARKER + " file", e);
        }
        try {
            long start = System.nanoTime();
            while (!p.waitFor(5, TimeUnit.SECONDS)) {
                long secs = (System.nanoTime() - start) / 1_000_000_000L;
                if (secs > TimeUnit.MINUTES.toSeconds(NPM_TIMEOUT_MINUTES)) {
                    p.destroyForcibly();
                    throw new ChdbServerException("npm pack did not finish within " + NPM_TIMEOUT_MINUTES
                            + " minutes");
                }
                progress.accept("still downloading (" + secs + " s)...");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ChdbServerException("interrupted while fetching libchdb", e);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new ChdbServerException("npm pack " + NPM_PACKAGE + "@" + VERSION + " failed with exit code "
                    + p.exitValue() + ": " + tail(out));
        }
        try (Stream<Path> files = Files.list(work)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new ChdbServerException("npm pack produced no .tgz file: " + tail(out)));
        }
    }

    private static String tail(String s) {
        return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    }

    /** Checks {@code file} against the pinned npm integrity string. */
    static void verifyIntegrity(Path file) throws IOException {
        String expected = INTEGRITY.substring("sha512-".length());
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is mandatory in every JDK", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        String actual = Base64.getEncoder().encodeToString(md.digest());
        if (!actual.equals(expected)) {
            throw new ChdbServerException("integrity check failed for " + file.getFileName() + ": expected sha512-"
                    + expected + " but got sha512-" + actual + " (corrupt download or tampered registry)");
        }
    }

    /** Minimal ustar reader: extracts the listed entries (flattened to their file names). */
    static void untarGz(Path tgz, Path into, List<String> wanted) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz), 1 << 16),
                1 << 16)) {
            byte[] header = new byte[512];
            while (true) {
                if (in.readNBytes(header, 0, 512) < 512) {
                    throw new ChdbServerException("truncated tar archive " + tgz.getFileName());
                }
                boolean allZero = true;
                for (byte b : header) {
                    if (b != 0) {
                        allZero = false;
                        break;
                    }
                }
                if (allZero) {
                    return;
                }
                String name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(cString(header, 124, 12).trim().isEmpty() ? "0"
                        : cString(header, 124, 12).trim(), 8);
                byte type = header[156];
                long padded = (size + 511) / 512 * 512;
                if ((type == '0' || type == 0) && wanted.contains(name)) {
                    Path target = into.resolve(Path.of(name).getFileName().toString());
                    try (OutputStream out = Files.newOutputStream(target)) {
                        copyExactly(in, out, size);
                    }
                    in.skipNBytes(padded - size);
                    if (name.endsWith(".so")) {
                        target.toFile().setExecutable(true, false);
                    }
                } else {
                    in.skipNBytes(padded);
                }
            }
        }
    }

    private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new ChdbServerException("truncated tar entry (" + left + " bytes missing)");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static void cleanupQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException e) {
            // Best effort: the error that got us here is the one to report.
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        if (Files.isDirectory(p)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    deleteRecursively(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
