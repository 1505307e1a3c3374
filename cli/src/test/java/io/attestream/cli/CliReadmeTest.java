package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** cli/README.md documents every subcommand the command line really has (surefire runs in the module directory). */
class CliReadmeTest {
    @Test
    void readmeListsEverySubcommand() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>();
        for (String name : AttestreamMain.commandLine().getSubcommands().keySet()) {
            if (!readme.contains("`attestream " + name)) {
                missing.add(name);
            }
        }
        assertThat(missing).as("subcommands missing from cli/README.md").isEmpty();
    }

    @Test
    void readmeListsTheSubcommandsOfEveryGroupInItsRow() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>();
        for (CommandLine group : AttestreamMain.commandLine().getSubcommands().values()) {
            for (String sub : group.getSubcommands().keySet()) {
                String row = "`attestream " + group.getCommandName() + " ";
                boolean listed = readme.lines().filter(l -> l.contains(row) || l.contains("`attestream "
                        + group.getCommandName() + "` / `")).anyMatch(l -> l.matches(".*\\b" + sub + "\\b.*"));
                if (!listed) {
                    missing.add(group.getCommandName() + " " + sub);
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    /**
     * Every exit code a command's --help lists (its own and its subcommands' {@code exitCodeList}) appears in the
     * exit-code column of the command's README row as "N " at the start of the cell or after "; ", ", ", ": ".
     */
    @Test
    void readmeRowOfEveryCommandListsTheExitCodesOfItsHelp() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>();
        for (CommandLine command : AttestreamMain.commandLine().getSubcommands().values()) {
            String name = command.getCommandName();
            String row = lines.stream().filter(l -> l.startsWith("| `attestream " + name + " ")
                    || l.startsWith("| `attestream " + name + "`")).findFirst().orElse(null);
            if (row == null) {
                continue; // readmeListsEverySubcommand reports it
            }
            String[] cells = row.split("(?<!\\\\)\\|");
            String codes = cells[cells.length - 1].strip();
            List<CommandLine> withSubs = new ArrayList<>(List.of(command));
            withSubs.addAll(command.getSubcommands().values());
            for (CommandLine c : withSubs) {
                for (String code : c.getCommandSpec().usageMessage().exitCodeList().keySet()) {
                    String k = code.strip();
                    if (!java.util.regex.Pattern.compile("(^|[;,:] )" + java.util.regex.Pattern.quote(k) + " ")
                            .matcher(codes).find()) {
                        missing.add(name + " exit " + k);
                    }
                }
            }
        }
        assertThat(missing).as("exit codes in --help but not in the cli/README.md row").isEmpty();
    }
}
