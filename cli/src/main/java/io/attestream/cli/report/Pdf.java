package io.attestream.cli.report;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Prints the HTML pack to PDF with Chromium (or Chrome) headless, found on PATH. */
final class Pdf {
    static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable");
    private static final long TIMEOUT_S = 180;

    private Pdf() {
    }

    /**
     * @param path the PATH value to search
     * @return the first browser executable found
     */
    static Optional<Path> findBrowser(String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String name : BROWSERS) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Renders {@code html} to {@code pdf}.
     *
     * @throws IllegalStateException when no browser is on PATH, or it fails or produces no PDF (with its output)
     */
    static void render(Path html, Path pdf) throws IOException, InterruptedException {
        String path = System.getenv("PATH");
        Path browser = findBrowser(path).orElseThrow(() -> new IllegalStateException("--pdf needs Chromium (or"
                + " Google Chrome) on PATH; looked for " + String.join(", ", BROWSERS) + " in PATH=" + path
                + ". Install it (Debian: apt-get install chromium) or leave out --pdf (the HTML is written)."));
        Path profile = Files.createTempDirectory("attestream-pdf");
        Path log = profile.resolve("chromium.log");
        Path target = pdf.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless",
                // The page is our own file with no remote content; the sandbox cannot start as root in containers.
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile.resolve("profile"),
                "--no-pdf-header-footer", "--virtual-time-budget=5000", "--print-to-pdf=" + target,
                html.toAbsolutePath().toUri().toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(browser + " did not print " + html + " within " + TIMEOUT_S + " s");
        }
        if (process.exitValue() != 0 || !Files.exists(target) || Files.size(target) == 0) {
            String output = Files.readString(log, StandardCharsets.UTF_8);
            throw new IllegalStateException(browser + " exited " + process.exitValue() + " without writing " + target
                    + ": " + output.substring(Math.max(0, output.length() - 2000)));
        }
    }
}
