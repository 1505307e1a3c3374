package io.attestream.cli.privacy;

import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.LocalMasterKey;
import io.attestream.sealing.SealingException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code attestream keystore init}: a new local master key and an empty file key store. */
@Command(name = "keystore", mixinStandardHelpOptions = true,
        description = "init: create a local master key file (0600, refuses to overwrite) and the file key store"
                + " directory that producers (seal.keystore.dir, seal.master.key.file), export and erase use.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:created", "1:nothing created (the master key file exists, or I/O error)",
            "2:invalid command line"})
public final class KeystoreCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "init", description = "The action (only init).")
    String action;

    @Option(names = "--keystore", required = true, paramLabel = "DIR", description = "Key store directory.")
    Path keystore;

    @Option(names = "--master-key", required = true, paramLabel = "FILE", description = "Master key file to create.")
    Path masterKey;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!"init".equals(action)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown action " + action
                    + " (only init)");
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            LocalMasterKey key = LocalMasterKey.generate(masterKey);
            new FileKeyStore(keystore, key, Duration.ZERO);
            out.println("created master key " + masterKey + " (" + key.id() + ", mode 0600) and key store " + keystore
                    + "; back the master key up apart from the store (docs/privacy.md)");
            out.flush();
            return 0;
        } catch (SealingException e) {
            spec.commandLine().getErr().println("keystore: " + e.getMessage());
            return 1;
        }
    }
}
