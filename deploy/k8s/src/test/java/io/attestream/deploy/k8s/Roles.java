package io.attestream.deploy.k8s;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The pipeline roles that ship as role jars and images, and where the deploy/ tree is. */
enum Roles {
    GATEWAY("gateway", "ingest"),
    CHAINER("chainer", "chainer"),
    DRIFT("drift", "drift-detector"),
    SINK("sink", "evidence-sink"),
    WITNESS("witness", "witness"),
    WITNESS_SUBMIT("witness-submit", "witness-submitter");

    /** Roles configured by a properties file (a ConfigMap), the others by command-line options. */
    static final List<Roles> CONFIGURED = List.of(GATEWAY, CHAINER, DRIFT, SINK, WITNESS, WITNESS_SUBMIT);

    final String role;
    final String module;

    Roles(String role, String module) {
        this.role = role;
        this.module = module;
    }

    /** Image name in the manifests, e.g. attestream-gateway. */
    String image() {
        return "attestream-" + role;
    }

    /** The role jar deploy/runtime builds. */
    Path jar() {
        return deployDir().resolve("runtime").resolve(role).resolve("target").resolve("attestream-" + role + ".jar");
    }

    static Roles ofImage(String image) {
        String name = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
        for (Roles r : values()) {
            if (r.image().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("image " + image + " is none of the role images");
    }

    static Path deployDir() {
        String dir = System.getProperty("attestream.deploy.dir");
        Path path = dir == null ? Path.of("..") : Path.of(dir);
        if (!Files.isDirectory(path.resolve("k8s")) || !Files.isDirectory(path.resolve("runtime"))) {
            throw new AssertionError("not the deploy/ directory: " + path.toAbsolutePath());
        }
        return path.normalize();
    }

    static Path repoRoot() {
        return deployDir().toAbsolutePath().getParent();
    }
}
