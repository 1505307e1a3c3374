package io.attestream.cli;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.Compatibility;
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

    @Command(name = "print", mixinStandardHelpOptions = true,
            description = "Print the released AuditEvent schema (what non-JVM producers register).")
    static final class Print implements Callable<Integer> {
        @Option(names = "--release", defaultValue = "v1", description = "Released schema version. Default: ${DEFAULT-VALUE}")
        String version;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            var schema = SchemaEvolution.released().get(version);
            if (schema == null) {
                spec.commandLine().getErr().println("no released schema " + version + "; known: "
                        + SchemaEvolution.released().keySet());
                return 2;
            }
            spec.commandLine().getOut().println(schema.toString(true));
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
            description = "Register this build's AuditEvent schema under <topic>-value (idempotent) and set the"
                    + " subject's compatibility to BACKWARD_TRANSITIVE.")
    static final class Register implements Callable<Integer> {
        @ParentCommand
        SchemasCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            SchemaRegistryClient client = SchemaRegistryClient.forUrl(parent.registryUrl);
            String subject = Topics.valueSubject(parent.topic);
            int id = client.register(subject, AuditEvent.getClassSchema());
            client.setSubjectCompatibility(subject, Compatibility.BACKWARD_TRANSITIVE);
            spec.commandLine().getOut().println("registered " + subject + " as schema id " + id
                    + " (compatibility BACKWARD_TRANSITIVE)");
            return 0;
        }
    }
}
