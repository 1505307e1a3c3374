package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.schemas.SchemaEvolution;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AttestreamMainTest {

    private record Run(int exitCode, String out, String err) { }

    private static Run run(String... args) {
        CommandLine cli = AttestreamMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommandsAndExitCodes() {
        Run run = run("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("stack", "schemas", "keygen", "Exit codes:");
    }

    @Test
    void everySubcommandAnswersHelp() {
        List<String> failures = new ArrayList<>();
        visit(AttestreamMain.commandLine(), new ArrayList<>(), failures);
        assertThat(failures).isEmpty();
    }

    private static void visit(CommandLine command, List<String> path, List<String> failures) {
        for (var entry : command.getSubcommands().entrySet()) {
            if (entry.getValue().getCommandSpec().aliases().length > 0
                    && !entry.getKey().equals(entry.getValue().getCommandName())) {
                continue;
            }
            List<String> args = new ArrayList<>(path);
            args.add(entry.getKey());
            List<String> withHelp = new ArrayList<>(args);
            withHelp.add("--help");
            Run run = run(withHelp.toArray(String[]::new));
            if (run.exitCode() != 0 || !run.out().contains("Usage: attestream " + String.join(" ", args))) {
                failures.add(String.join(" ", args) + " --help -> " + run.exitCode() + " " + run.err());
            }
            visit(entry.getValue(), args, failures);
        }
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run run = run("schemas", "--no-such-option");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option");
    }

    @Test
    void schemasCheckPassesOnThisBuild() {
        Run run = run("schemas", "check");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("OK").contains("v1");
    }

    @Test
    void schemasPrintGivesTheLatestReleasedFileByteForByte() {
        Map<String, Schema> released = SchemaEvolution.released();
        String latest = List.copyOf(released.keySet()).get(released.size() - 1);
        Run run = run("schemas", "print");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(SchemaEvolution.releasedText(latest).orElseThrow())
                .contains("\"name\" : \"BaselinePinned\"").doesNotContain("avro.java");
    }

    @Test
    void schemasPrintVersionSelectsAnOlderReleaseAndRefusesUnknownOnes() {
        assertThat(run("schemas", "print", "--version", "1").out())
                .isEqualTo(SchemaEvolution.releasedText("v1").orElseThrow()).doesNotContain("BaselinePinned");
        assertThat(run("schemas", "print", "--version", "v1").out())
                .isEqualTo(SchemaEvolution.releasedText("v1").orElseThrow());
        Run unknown = run("schemas", "print", "--version", "9");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no released AuditEvent schema 9").contains("v1, v2");
        assertThat(run("schemas", "print", "--help").exitCode()).isZero();
    }

    @Test
    void failuresExitWithOneAndAMessage() {
        Run run = run("schemas", "--registry", "http://127.0.0.1:1", "register");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("error:").contains("127.0.0.1:1");
    }
}
