package io.attestream.cli.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The control mappings shipped with the schemas ({@value #RESOURCE}, docs/control-mappings.md): which event types
 * evidence which controls of each framework. The sink loads the same rows into {@code control_mappings}
 * (migration V007); the report reads the table and compares it with this file.
 */
final class ControlMappings {
    static final String RESOURCE = "/io/attestream/schemas/mappings/control-mappings-v1.tsv";
    static final int VERSION = 1;

    /** The frameworks, by their {@code --framework} name. */
    enum Framework {
        ISO27001("iso27001", "ISO/IEC 27001:2022 (Annex A and clauses)"),
        ISO42001("iso42001", "ISO/IEC 42001:2023 (Annex A and clauses)"),
        EU_AI_ACT("eu-ai-act", "EU AI Act, Regulation (EU) 2024/1689"),
        NIST_AI_RMF("nist-ai-rmf", "NIST AI RMF 1.0 (subcategories)");

        private final String id;
        private final String title;

        Framework(String id, String title) {
            this.id = id;
            this.title = title;
        }

        String id() {
            return id;
        }

        String title() {
            return title;
        }

        /** picocli converter: the {@code --framework} names. */
        static Framework parse(String name) {
            for (Framework f : values()) {
                if (f.id.equals(name.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown framework '" + name + "': one of iso27001, iso42001,"
                    + " eu-ai-act, nist-ai-rmf");
        }
    }

    /** One mapping row. */
    record Row(int version, String framework, String control, String title, String eventType, String scope) {
        List<String> cells() {
            return List.of(Integer.toString(version), framework, control, title, eventType, scope);
        }
    }

    private ControlMappings() {
    }

    /** @return the rows of the shipped file, in file order */
    static List<Row> shipped() {
        try (InputStream in = ControlMappings.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("control mappings missing from the classpath: " + RESOURCE);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e, e);
        }
    }

    static List<Row> parse(String tsv) {
        List<Row> out = new ArrayList<>();
        boolean header = true;
        for (String line : tsv.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 6) {
                throw new IllegalStateException("control mapping row needs 6 tab-separated fields: " + line);
            }
            out.add(new Row(Integer.parseInt(f[0]), f[1], f[2], f[3], f[4], f[5]));
        }
        return out;
    }
}
