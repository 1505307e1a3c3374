package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The versioned DDL migrations, rendered for one server or for a cluster. Templates live in
 * {@code io/attestream/sink/ddl/V<nnn>__<name>.sql}; released migrations MUST NOT change (their checksum is
 * recorded in {@code schema_migrations} and checked at every start): add a new version instead.
 *
 * <p>On a cluster ({@code clickhouse.cluster} set) every table {@code X} becomes a
 * {@code ReplicatedReplacingMergeTree} table {@code X_local} created {@code ON CLUSTER}, plus a
 * {@code Distributed} table {@code X} over it, sharded so that one agent's rows stay on one shard. Views and the
 * sink keep using the plain names. {@code ALTER TABLE ${alter(X)} ...} alters {@code X}, or on a cluster
 * {@code X_local} and the Distributed {@code X}, both {@code ON CLUSTER}.
 */
public final class Ddl {
    /** The migrations, in order. */
    public static final List<String> RESOURCES = List.of(
            "V001__evidence_tables.sql",
            "V002__typed_tables.sql",
            "V003__auditor_views.sql",
            "V005__chained_events_entry_version.sql",
            "V007__control_mappings.sql");

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "CREATE TABLE IF NOT EXISTS \\$\\{db}\\.(\\w+) \\$\\{on_cluster}");
    private static final Pattern REPLACING = Pattern.compile("\\$\\{replacing\\((\\w+)(?:, *(\\w+))?\\)}");
    private static final Pattern ALTER = Pattern.compile("\\$\\{alter\\((\\w+)\\)}");
    private static final Map<String, String> SHARD_KEYS = Map.of(
            "registry_schemas", "schema_id",
            "control_mappings", "cityHash64(framework, control)",
            "sink_offsets", "cityHash64(consumer_group, topic, kafka_partition)");
    private static final String DEFAULT_SHARD_KEY = "cityHash64(tenant, agent_id)";

    /**
     * One migration.
     *
     * @param version    its number
     * @param name       the file name
     * @param checksum   SHA-256 hex of the template
     * @param statements rendered statements, in order; each is idempotent
     */
    public record Migration(int version, String name, String checksum, List<String> statements) {
        public Migration {
            requireNonNull(name, "name");
            requireNonNull(checksum, "checksum");
            statements = List.copyOf(statements);
        }
    }

    private Ddl() {
    }

    /**
     * Every migration rendered for {@code database} on one server ({@code cluster} empty) or a cluster.
     */
    public static List<Migration> migrations(String database, String cluster) {
        requireNonNull(database, "database");
        requireNonNull(cluster, "cluster");
        List<Migration> out = new ArrayList<>();
        for (String resource : RESOURCES) {
            String template = load(resource);
            int version = Integer.parseInt(resource.substring(1, resource.indexOf("__")));
            out.add(new Migration(version, resource, sha256Hex(template), render(template, database, cluster)));
        }
        return out;
    }

    /** Statements of one template. */
    static List<String> render(String template, String database, String cluster) {
        List<String> statements = new ArrayList<>();
        for (String raw : split(template)) {
            Matcher alter = ALTER.matcher(raw);
            if (alter.find()) {
                // A cluster alters the replicated local table and the Distributed table over it (same columns).
                String table = alter.group(1);
                List<String> targets = cluster.isEmpty() ? List.of(database + "." + table)
                        : List.of(database + "." + table + "_local ON CLUSTER " + cluster,
                                database + "." + table + " ON CLUSTER " + cluster);
                for (String target : targets) {
                    statements.add(check(alter.replaceFirst(Matcher.quoteReplacement(target))));
                }
                continue;
            }
            String st = raw;
            String distributed = null;
            Matcher create = CREATE_TABLE.matcher(st);
            if (!cluster.isEmpty() && create.find()) {
                String table = create.group(1);
                st = create.replaceFirst("CREATE TABLE IF NOT EXISTS \\${db}." + table + "_local \\${on_cluster}");
                distributed = "CREATE TABLE IF NOT EXISTS " + database + "." + table + " ON CLUSTER " + cluster
                        + " AS " + database + "." + table + "_local ENGINE = Distributed(" + cluster + ", " + database
                        + ", " + table + "_local, " + SHARD_KEYS.getOrDefault(table, DEFAULT_SHARD_KEY) + ")";
            }
            Matcher m = REPLACING.matcher(st);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String version = m.group(2);
                String engine = cluster.isEmpty()
                        ? "ReplacingMergeTree" + (version == null ? "" : "(" + version + ")")
                        : "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/" + database + "/" + m.group(1)
                                + "', '{replica}'" + (version == null ? "" : ", " + version) + ")";
                m.appendReplacement(sb, Matcher.quoteReplacement(engine));
            }
            m.appendTail(sb);
            st = sb.toString().replace("${db}", database)
                    .replace("${on_cluster}", cluster.isEmpty() ? "" : "ON CLUSTER " + cluster);
            statements.add(check(st));
            if (distributed != null) {
                statements.add(distributed);
            }
        }
        return statements;
    }

    private static String check(String statement) {
        if (statement.contains("${")) {
            throw new IllegalStateException("unrendered placeholder in migration statement: " + statement);
        }
        return statement;
    }

    /** Statements separated by a semicolon at the end of a line; comment lines dropped. */
    static List<String> split(String template) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : template.split("\n", -1)) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            String trimmed = line.stripTrailing();
            if (trimmed.endsWith(";")) {
                current.append(trimmed, 0, trimmed.length() - 1);
                out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("migration ends without ';': " + current.toString().strip());
        }
        return out;
    }

    private static String load(String resource) {
        try (InputStream in = Ddl.class.getResourceAsStream("/io/attestream/sink/ddl/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("migration resource missing from the jar: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migration " + resource, e);
        }
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }
}
