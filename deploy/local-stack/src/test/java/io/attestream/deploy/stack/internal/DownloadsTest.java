package io.attestream.deploy.stack.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.attestream.deploy.stack.StackException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a real HTTP server on 127.0.0.1 that can lie about checksums and lengths. */
class DownloadsTest {
    private static final Downloads.Artifact ARTIFACT =
            new Downloads.Artifact("org.example", "thing", "1.0", "all", "tar.gz");

    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicReference<byte[]> body = new AtomicReference<>();
    private final AtomicReference<String> sha1 = new AtomicReference<>();
    private final AtomicInteger downloads = new AtomicInteger();
    private final List<String> progress = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] bytes;
            long length;
            if (path.endsWith(".sha1")) {
                bytes = (sha1.get() + "  thing-1.0-all.tar.gz\n").getBytes(StandardCharsets.US_ASCII);
                length = bytes.length;
            } else if (path.endsWith(ARTIFACT.repositoryPath())) {
                downloads.incrementAndGet();
                bytes = body.get();
                length = bytes.length;
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI repo() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/maven2");
    }

    @Test
    void rejectsACorruptDownloadRemovesThePartialFileAndARetrySucceeds() throws Exception {
        byte[] tarball = tarball();
        body.set(tarball);
        sha1.set("0000000000000000000000000000000000000000");
        Path dir = tmp.resolve("downloads");
        assertThatThrownBy(() -> Downloads.fetch(ARTIFACT, repo(), tmp.resolve("m2"), dir, progress::add))
                .isInstanceOf(StackException.class).hasMessageContaining("corrupt").hasMessageContaining("retry");
        assertThat(listing(dir)).isEmpty();

        sha1.set(sha1Hex(tarball));
        Path file = Downloads.fetch(ARTIFACT, repo(), tmp.resolve("m2"), dir, progress::add);
        assertThat(Files.readAllBytes(file)).isEqualTo(tarball);
        assertThat(listing(dir)).containsExactlyInAnyOrder("thing-1.0-all.tar.gz", "thing-1.0-all.tar.gz.sha1");
    }

    @Test
    void rejectsATruncatedDownloadAndLeavesNothingBehind() throws Exception {
        byte[] tarball = tarball();
        String sha = sha1Hex(tarball);
        // A raw server that promises more bytes than it sends, then closes the connection.
        try (ServerSocket raw = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread serve = new Thread(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = raw.accept()) {
                        String request = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.US_ASCII)).readLine();
                        byte[] content = request.contains(".sha1 ") ? sha.getBytes(StandardCharsets.US_ASCII) : tarball;
                        long declared = request.contains(".sha1 ") ? content.length : content.length + 1000;
                        OutputStream out = s.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + declared + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(content);
                        out.flush();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            serve.start();
            Path dir = tmp.resolve("downloads");
            URI rawRepo = URI.create("http://127.0.0.1:" + raw.getLocalPort() + "/maven2");
            assertThatThrownBy(() -> Downloads.fetch(ARTIFACT, rawRepo, tmp.resolve("m2"), dir, progress::add))
                    .isInstanceOf(StackException.class).hasMessageContaining("thing-1.0-all.tar.gz")
                    .hasMessageContaining("partial files removed");
            assertThat(listing(dir)).isEmpty();
            serve.join(10_000);
        }
    }

    @Test
    void unpacksOnceAndReusesTheCache() throws Exception {
        byte[] tarball = tarball();
        body.set(tarball);
        sha1.set(sha1Hex(tarball));
        Path target = tmp.resolve("cache").resolve("thing-1.0");
        Downloads.ensureUnpacked(ARTIFACT, target, tmp.resolve("cache"), repo(), tmp.resolve("m2"), progress::add);
        assertThat(target.resolve("app").resolve("hello.txt")).hasContent("hello");
        Downloads.ensureUnpacked(ARTIFACT, target, tmp.resolve("cache"), repo(), tmp.resolve("m2"), progress::add);
        assertThat(downloads.get()).isEqualTo(1);
        assertThat(listing(tmp.resolve("cache"))).noneMatch(n -> n.contains("unpacking"));
        assertThat(progress).anyMatch(l -> l.contains("downloading"));
    }

    @Test
    void prefersTheLocalMavenRepository() throws Exception {
        byte[] tarball = tarball();
        Path local = tmp.resolve("m2").resolve(ARTIFACT.repositoryPath());
        Files.createDirectories(local.getParent());
        Files.write(local, tarball);
        Files.writeString(local.resolveSibling(local.getFileName() + ".sha1"), sha1Hex(tarball));
        assertThat(Downloads.fetch(ARTIFACT, repo(), tmp.resolve("m2"), tmp.resolve("d"), progress::add))
                .isEqualTo(local);
        assertThat(downloads.get()).isZero();
    }

    private byte[] tarball() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("app").resolve("hello.txt"), "hello");
        Path out = tmp.resolve("t.tar.gz");
        Process p = new ProcessBuilder("tar", "-czf", out.toString(), "-C", src.toString(), "app").inheritIO().start();
        assertThat(p.waitFor()).isZero();
        return Files.readAllBytes(out);
    }

    private static String sha1Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).toList();
        }
    }
}
