package io.attestream.schemas;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.ChainedEvent;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.Compatibility;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.SchemaNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The schema-evolution guard. Every released AuditEvent schema is kept as a resource
 * ({@code io/attestream/schemas/released/AuditEvent-vN.avsc}, listed in {@code index.txt}); the current schema must
 * be able to read data written with each of them (BACKWARD, transitively), because stored evidence is never
 * rewritten. The registered pipeline schema ChainedEvent follows the same rule
 * ({@code ChainedEvent-vN.avsc}, listed in {@code ChainedEvent-index.txt}).
 */
public final class SchemaEvolution {
    private static final String DIR = "/io/attestream/schemas/released/";

    private SchemaEvolution() {
    }

    /** The released AuditEvent schemas by version name (e.g. {@code v1}), oldest first. */
    public static Map<String, Schema> released() {
        return released("index.txt", "AuditEvent-");
    }

    /** The newest released AuditEvent version name, e.g. {@code v2}: the schema of this build. */
    public static String latestVersion() {
        return List.copyOf(released().keySet()).get(released().size() - 1);
    }

    /**
     * The released AuditEvent file of {@code version} ({@code v2} or {@code 2}) exactly as shipped, or empty when no
     * such version was released. This text is the public contract; what a registry holds is its canonical form
     * ({@link io.attestream.schemas.registry.SchemaRegistryClient#registryForm}).
     */
    public static Optional<String> releasedText(String version) {
        requireNonNull(version, "version");
        String name = version.startsWith("v") ? version : "v" + version;
        if (!released().containsKey(name)) {
            return Optional.empty();
        }
        return Optional.of(resource("AuditEvent-" + name + ".avsc"));
    }

    /** The released ChainedEvent schemas by version name, oldest first. */
    public static Map<String, Schema> releasedChainedEvent() {
        return released("ChainedEvent-index.txt", "ChainedEvent-");
    }

    private static Map<String, Schema> released(String index, String prefix) {
        Map<String, Schema> out = new LinkedHashMap<>();
        for (String line : resource(index).split("\n")) {
            String version = line.strip();
            if (!version.isEmpty() && !version.startsWith("#")) {
                out.put(version, new Schema.Parser().parse(resource(prefix + version + ".avsc")));
            }
        }
        return out;
    }

    /**
     * Registers this build's AuditEvent schema (in registry form: the newest released file) under {@code subject}
     * and sets the subject's compatibility to BACKWARD_TRANSITIVE, so the registry itself refuses a later version
     * that cannot read every earlier one. The level is set before registering where the registry allows it for a
     * subject without versions (Confluent, Apicurio 3), otherwise right after. Idempotent.
     *
     * @return the schema id
     */
    public static int registerWithGuard(SchemaRegistryClient registry, String subject) {
        requireNonNull(registry, "registry");
        requireNonNull(subject, "subject");
        boolean guarded;
        try {
            registry.setSubjectCompatibility(subject, Compatibility.BACKWARD_TRANSITIVE);
            guarded = true;
        } catch (SchemaNotFoundException e) {
            guarded = false;
        }
        int id = registry.register(subject, AuditEvent.getClassSchema());
        if (!guarded) {
            registry.setSubjectCompatibility(subject, Compatibility.BACKWARD_TRANSITIVE);
        }
        return id;
    }

    /** Problems that stop {@code candidate} from reading data written with the released schemas; empty if none. */
    public static List<String> backwardProblems(Schema candidate, Map<String, Schema> released) {
        requireNonNull(candidate, "candidate");
        List<String> problems = new ArrayList<>();
        released.forEach((version, writer) -> {
            SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(candidate, writer);
            for (Incompatibility i : result.getResult().getIncompatibilities()) {
                problems.add("cannot read " + version + " data: " + i.getType() + " at " + i.getLocation() + ": "
                        + i.getMessage());
            }
        });
        return problems;
    }

    /** {@link #backwardProblems} of the schema compiled into this build against every released one. */
    public static List<String> currentProblems() {
        return backwardProblems(AuditEvent.getClassSchema(), released());
    }

    /** {@link #backwardProblems} of the ChainedEvent schema of this build against every released one. */
    public static List<String> currentChainedEventProblems() {
        return backwardProblems(ChainedEvent.getClassSchema(), releasedChainedEvent());
    }

    private static String resource(String name) {
        try (InputStream in = SchemaEvolution.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
