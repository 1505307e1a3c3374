package io.attestream.cli;

import io.attestream.integrity.KeyException;
import io.attestream.integrity.KeyPairFiles;
import io.attestream.integrity.VerifierKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream keygen --out DIR --name NAME}: writes a new Ed25519 checkpoint-signing key pair with
 * {@link KeyPairFiles#generate} (NAME.key: RFC 8410 PKCS#8 PEM, 0600; NAME.pub; NAME.vkey), all or nothing.
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
            VerifierKey vk = KeyPairFiles.generate(out, name, new SecureRandom());
            stdout.println(vk.toVkey());
            err.println("keygen: wrote " + KeyPairFiles.privateKeyFile(out, name) + " (0600), "
                    + KeyPairFiles.publicKeyFile(out, name) + ", " + KeyPairFiles.verifierKeyFile(out, name));
            return EXIT_OK;
        } catch (KeyException e) {
            err.println("keygen: " + e.getMessage());
            return EXIT_FAILED;
        }
    }
}
