package io.attestream.integrity;

import io.attestream.integrity.internal.KeyFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream keygen --out DIR --name NAME}: writes a new Ed25519 checkpoint-signing key pair.
 *
 * <p>Files: {@code DIR/NAME.key} (PKCS#8 PEM private key, created 0600), {@code DIR/NAME.pub}
 * (SubjectPublicKeyInfo PEM) and {@code DIR/NAME.vkey} (signed-note verifier key line, the form
 * verifiers are configured with). DIR is created 0700 when missing. Nothing is ever overwritten: if any
 * of the three files exists the command writes none and fails.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Generate an Ed25519 key pair for signing checkpoints (signed-note format).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:key pair written; the verifier key line is printed on stdout",
            "1:nothing written: a file exists, the name is invalid, or an I/O error occurred",
            "2:invalid command line"})
public final class KeygenCommand implements Callable<Integer> {
    /** Exit code on success. */
    public static final int EXIT_OK = 0;
    /** Exit code when nothing could be written. */
    public static final int EXIT_FAILED = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files.")
    private Path out;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Signer name (no whitespace, no '+'), e.g. attestream-checkpointer-2026a.")
    private String name;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        try {
            VerifierKey.checkName(name);
            Path priv = out.resolve(name + ".key");
            Path pub = out.resolve(name + ".pub");
            Path vkey = out.resolve(name + ".vkey");
            for (Path p : List.of(priv, pub, vkey)) {
                if (Files.exists(p)) {
                    err.println("keygen: " + p + " already exists; refusing to overwrite (choose another --name or --out)");
                    return EXIT_FAILED;
                }
            }
            if (!Files.isDirectory(out)) {
                if (out.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(out, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(out);
                }
            }
            SigningKey key = SigningKey.generate(name, new SecureRandom());
            VerifierKey vk = key.verifierKey();
            List<Path> created = new ArrayList<>();
            try {
                key.writePrivatePem(priv);
                created.add(priv);
                KeyFiles.createNew(pub, vk.toSpkiPem().getBytes(StandardCharsets.US_ASCII), KeyFiles.PUBLIC);
                created.add(pub);
                KeyFiles.createNew(vkey, (vk.toVkey() + "\n").getBytes(StandardCharsets.UTF_8), KeyFiles.PUBLIC);
            } catch (KeyException | IOException e) {
                // All or nothing: a half-written pair would be mistaken for a usable one. Only files this run
                // created (CREATE_NEW succeeded) are removed.
                for (Path p : created) {
                    Files.deleteIfExists(p);
                }
                throw e;
            }
            stdout.println(vk.toVkey());
            err.println("keygen: wrote " + priv + " (0600), " + pub + ", " + vkey);
            return EXIT_OK;
        } catch (KeyException | IOException e) {
            err.println("keygen: " + e.getMessage());
            return EXIT_FAILED;
        }
    }
}
