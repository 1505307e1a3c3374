package io.attestream.cli;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.CompatibilityResult;
import io.attestream.schemas.registry.SchemaRegistryClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code attestream schemas}: the event catalogue and its registration. */
@Command(name = "schemas", mixinStandardHelpOptions = true,
        description = "Print, check and register the AuditEvent schema.",
        subcommands = {SchemasCommand.Print.class, SchemasCommand.Check.class, SchemasCommand.Register.class})
final class SchemasCommand {

    @Option(names = "--registry", defaultValue = "${env:ATTESTREAM_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}",
            description = "Confluent-compatible registry base URL (env ATTESTREAM_REGISTRY_URL). Default: ${DEFAULT-VALUE}")
    String registryUrl;

    @Option(names = "--topic", defaultValue = Topics.EVENTS,
            description = "Topic whose value subject (<topic>-value) is meant. Default: ${DEFAULT-VALUE}")
    String topic;

    @Command(name = "print",
            description = "Print a released AuditEvent schema file exactly as shipped: the public contract a producer"
                    + " in any language registers or looks up under <topic>-value (the registry holds it in"
                    + " canonical form, the same id the JVM pipeline uses). Default: the latest release.",
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:printed", "2:no such release"})
    static final class Print implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;
        @Option(names = "--version", paramLabel = "N",
                description = "Released version, e.g. 1 or v1. Default: the latest release.")
        String version;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String wanted = version == null ? SchemaEvolution.latestVersion() : version;
            var text = SchemaEvolution.releasedText(wanted);
            if (text.isEmpty()) {
                spec.commandLine().getErr().println("no released AuditEvent schema " + wanted + "; released: "
                        + SchemaEvolution.released().keySet());
                return 2;
            }
            spec.commandLine().getOut().print(text.get());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check this build's schema against every released version and, with --online, against"
                    + " the registry's latest version under the subject.",
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:compatible", "3:incompatible"})
    static final class Check implements Callable<Integer> {
        @ParentCommand
        SchemasCommand parent;
        @Option(names = "--online", description = "Also ask the registry.")
        boolean online;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<String> problems = SchemaEvolution.currentProblems();
            problems.forEach(p -> out.println("INCOMPATIBLE " + p));
            if (online) {
                SchemaRegistryClient client = SchemaRegistryClient.forUrl(parent.registryUrl);
                CompatibilityResult result = client.testCompatibility(Topics.valueSubject(parent.topic),
                        AuditEvent.getClassSchema());
                out.println("registry " + parent.registryUrl + " subject " + Topics.valueSubject(parent.topic) + ": "
                        + (result.compatible() ? "compatible" : "INCOMPATIBLE " + result.messages()));
                if (!result.compatible()) {
                    return 3;
                }
            }
            if (problems.isEmpty()) {
                out.println("OK: this build's AuditEvent schema reads every released version "
                        + SchemaEvolution.released().keySet());
                return 0;
            }
            return 3;
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Register this build's AuditEvent schema (the latest release, in canonical form) under"
                    + " <topic>-value (idempotent) and set the subject's compatibility to BACKWARD_TRANSITIVE.")
    static final class Register implements Callable<Integer> {
        @ParentCommand
        SchemasCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            SchemaRegistryClient client = SchemaRegistryClient.forUrl(parent.registryUrl);
            String subject = Topics.valueSubject(parent.topic);
            int id = SchemaEvolution.registerWithGuard(client, subject);
            spec.commandLine().getOut().println("registered release " + SchemaEvolution.latestVersion() + " under "
                    + subject + " as schema id " + id + " (compatibility BACKWARD_TRANSITIVE)");
            return 0;
        }
    }
}
