package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The versioned DDL migrations, rendered for one server or for a cluster. Templates live in
 * {@code io/attestream/sink/ddl/V<nnn>__<name>.sql}; released migrations MUST NOT change (their checksum is
 * recorded in {@code schema_migrations} and checked at every start): add a new version instead.
 *
 * <p>On a cluster ({@code clickhouse.cluster} set) every table {@code X} becomes a replicated table
 * {@code X_local} created {@code ON CLUSTER}, plus a {@code Distributed} table {@code X} over it, sharded so that one
 * agent's rows stay on one shard. Views and the sink keep using the plain names. {@code ALTER TABLE ${alter(X)} ...}
 * alters {@code X}, or on a cluster {@code X_local} and the Distributed {@code X}, both {@code ON CLUSTER}.
 *
 * <p>V001 and V002 create the tables as {@code ReplacingMergeTree} (released; unchanged); V004 converts every
 * evidence table to a plain {@code MergeTree}, which never merges rows away ({@link Conversion}).
 *
 * <p>On a cluster the storage design of issue 13 holds from the first statement (issue 17): every table is a
 * {@code Replicated*} engine ON CLUSTER, and a table that V004 converts is created as {@code ReplicatedMergeTree}
 * right away (a cluster never holds an evidence table with an engine that merges rows away; V004's conversion then
 * finds the engine in place and does nothing). A template's plain {@code ENGINE = MergeTree} (V006, V007) becomes
 * {@code ReplicatedMergeTree}; any other engine on a cluster is refused when rendering. Only {@code sink_offsets}
 * (the sink's own bookkeeping, not evidence) stays {@code ReplicatedReplacingMergeTree}. None of this changes a
 * template, so checksums and the one-server DDL stay as released (DdlGoldenTest).
 */
public final class Ddl {
    /** The migrations, in order. */
    public static final List<String> RESOURCES = List.of(
            "V001__evidence_tables.sql",
            "V002__typed_tables.sql",
            "V003__auditor_views.sql",
            "V004__evidence_tables_keep_every_row.sql",
            "V005__chained_events_entry_version.sql",
            "V006__checkpoint_attestations.sql",
            "V007__control_mappings.sql",
            "V008__retention_and_legal_holds.sql",
            "V009__sink_sources.sql");

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "CREATE TABLE IF NOT EXISTS \\$\\{db}\\.(\\w+) \\$\\{on_cluster}");
    private static final Pattern REPLACING = Pattern.compile("\\$\\{replacing\\((\\w+)(?:, *(\\w+))?\\)}");
    private static final Pattern ALTER = Pattern.compile("\\$\\{alter\\((\\w+)\\)}");
    /** A template's plain MergeTree engine, which a cluster replaces by ReplicatedMergeTree. */
    private static final Pattern PLAIN_MERGE_TREE = Pattern.compile("ENGINE = MergeTree(?:\\(\\))?(?=\\s)");
    private static final Pattern ENGINE = Pattern.compile("ENGINE = (\\w+)");
    private static final Pattern CONVERT = Pattern.compile(
            "(?s)CONVERT TABLE \\$\\{db}\\.(\\w+) \\$\\{on_cluster} TO \\$\\{merge_tree\\((\\w+)\\)}\\s+(.+)");
    private static final Map<String, String> SHARD_KEYS = Map.of(
            "registry_schemas", "schema_id",
            "control_mappings", "cityHash64(framework, control)",
            "retention_policies", "cityHash64(tenant, event_type)",
            "retention_prunings", "cityHash64(run_id)",
            "sink_offsets", "cityHash64(consumer_group, topic, kafka_partition)",
            "sink_sources", "cityHash64(topic)");
    private static final String DEFAULT_SHARD_KEY = "cityHash64(tenant, agent_id)";

    /**
     * One migration.
     *
     * @param version  its number
     * @param name     the file name
     * @param checksum SHA-256 hex of the template
     * @param steps    rendered steps, in order; each is idempotent
     */
    public record Migration(int version, String name, String checksum, List<Step> steps) {
        public Migration {
            requireNonNull(name, "name");
            requireNonNull(checksum, "checksum");
            steps = List.copyOf(steps);
        }

        /** The SQL of every step, in order (a conversion's steps as they run when nothing was interrupted). */
        public List<String> statements() {
            return steps.stream().flatMap(s -> s.sql().stream()).toList();
        }
    }

    /** One step of a migration. */
    public sealed interface Step permits Statement, Conversion {
        /** Its SQL, as {@code attestream sink ddl} prints it. */
        List<String> sql();
    }

    /** A statement run as it is; idempotent by itself ({@code IF NOT EXISTS}, {@code OR REPLACE}). */
    public record Statement(String text) implements Step {
        public Statement {
            requireNonNull(text, "text");
        }

        @Override
        public List<String> sql() {
            return List.of(text);
        }
    }

    /**
     * Converts a table to another MergeTree engine with the same columns, keeping every row (V004): a new table
     * {@code temporary} is created {@code AS table} with {@code engine}, gets every part of {@code table} (ATTACH
     * PARTITION ALL FROM: parts as they are, no merge), and the two are exchanged atomically; the old table is then
     * dropped. {@link ClickHouseStore#migrate} checks the state before each step (the engine of {@code table}, row
     * counts), so an interrupted conversion is completed by the next run and never applied twice.
     *
     * @param table     {@code db.name} (on a cluster {@code db.name_local}, the replicated table)
     * @param temporary {@code db.name__v004} (on a cluster {@code db.name_local__v004})
     * @param counted   the table whose {@code count()} is every row ({@code table}; on a cluster the Distributed one)
     * @param onCluster {@code ""} or {@code " ON CLUSTER name"}
     * @param engine    the new engine and keys, e.g. {@code MergeTree PARTITION BY ... ORDER BY ...}
     * @param attach    whether rows are carried over; on a cluster they are not (the table must be empty, README)
     */
    public record Conversion(String table, String temporary, String counted, String onCluster, String engine,
                             boolean attach) implements Step {
        public Conversion {
            requireNonNull(table, "table");
            requireNonNull(temporary, "temporary");
            requireNonNull(counted, "counted");
            requireNonNull(onCluster, "onCluster");
            requireNonNull(engine, "engine");
        }

        /** Engine name the converted table has in {@code system.tables}. */
        public String engineName() {
            return engine.split("[( ]", 2)[0];
        }

        String create() {
            return "CREATE TABLE " + temporary + onCluster + " AS " + table + " ENGINE = " + engine;
        }

        String attachAll() {
            return "ALTER TABLE " + temporary + onCluster + " ATTACH PARTITION ALL FROM " + table;
        }

        String exchange() {
            return "EXCHANGE TABLES " + table + " AND " + temporary + onCluster;
        }

        String drop() {
            // Not SYNC: chdb 26.5 never answers DROP TABLE ... SYNC (and blocks every later query).
            return "DROP TABLE IF EXISTS " + temporary + onCluster;
        }

        @Override
        public List<String> sql() {
            return attach ? List.of(create(), attachAll(), exchange(), drop()) : List.of(create(), exchange(), drop());
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
        List<String> templates = RESOURCES.stream().map(Ddl::load).toList();
        Set<String> keepEveryRow = new HashSet<>();
        for (String template : templates) {
            for (String raw : split(template)) {
                Matcher convert = CONVERT.matcher(raw);
                if (convert.matches()) {
                    keepEveryRow.add(convert.group(1));
                }
            }
        }
        List<Migration> out = new ArrayList<>();
        for (int i = 0; i < RESOURCES.size(); i++) {
            String resource = RESOURCES.get(i);
            String template = templates.get(i);
            int version = Integer.parseInt(resource.substring(1, resource.indexOf("__")));
            out.add(new Migration(version, resource, sha256Hex(template),
                    render(template, database, cluster, keepEveryRow)));
        }
        return out;
    }

    /**
     * The table recording applied migrations. On a cluster it is one replicated table over every node of every
     * shard (no {@code {shard}} in its path, replica names {@code {shard}-{replica}}): a sink connected to any node
     * sees every migration applied, whichever shard the node belongs to.
     */
    public static String schemaMigrationsTable(String database, String cluster) {
        String engine = cluster.isEmpty() ? "ReplacingMergeTree"
                : "ReplicatedReplacingMergeTree('/clickhouse/tables/all/" + database + "/schema_migrations',"
                        + " '{shard}-{replica}')";
        return "CREATE TABLE IF NOT EXISTS " + database + ".schema_migrations" + (cluster.isEmpty() ? ""
                : " ON CLUSTER " + cluster) + " (version UInt32, name String, checksum String, applied_at"
                + " DateTime64(6, 'UTC'), applied_by String) ENGINE = " + engine + " ORDER BY version";
    }

    /** Statements of one template (on a cluster, with no table known to be converted to MergeTree later). */
    static List<Step> render(String template, String database, String cluster) {
        return render(template, database, cluster, Set.of());
    }

    /**
     * Statements of one template.
     *
     * @param keepEveryRow tables a later migration converts to MergeTree: on a cluster they are created as
     *                     ReplicatedMergeTree at once
     */
    static List<Step> render(String template, String database, String cluster, Set<String> keepEveryRow) {
        List<Step> statements = new ArrayList<>();
        for (String raw : split(template)) {
            Matcher convert = CONVERT.matcher(raw);
            if (convert.matches()) {
                statements.add(conversion(convert.group(1), convert.group(2), convert.group(3), database, cluster));
                continue;
            }
            Matcher alter = ALTER.matcher(raw);
            if (alter.find()) {
                // A cluster alters the replicated local table and the Distributed table over it (same columns).
                String table = alter.group(1);
                List<String> targets = cluster.isEmpty() ? List.of(database + "." + table)
                        : List.of(database + "." + table + "_local ON CLUSTER " + cluster,
                                database + "." + table + " ON CLUSTER " + cluster);
                for (String target : targets) {
                    statements.add(new Statement(check(alter.replaceFirst(Matcher.quoteReplacement(target)))));
                }
                continue;
            }
            String st = raw;
            String distributed = null;
            String clusterTable = null;
            Matcher create = CREATE_TABLE.matcher(st);
            if (!cluster.isEmpty() && create.find()) {
                String table = create.group(1);
                clusterTable = table;
                st = create.replaceFirst("CREATE TABLE IF NOT EXISTS \\${db}." + table + "_local \\${on_cluster}");
                distributed = "CREATE TABLE IF NOT EXISTS " + database + "." + table + " ON CLUSTER " + cluster
                        + " AS " + database + "." + table + "_local ENGINE = Distributed(" + cluster + ", " + database
                        + ", " + table + "_local, " + SHARD_KEYS.getOrDefault(table, DEFAULT_SHARD_KEY) + ")";
            }
            Matcher m = REPLACING.matcher(st);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String version = m.group(2);
                String engine;
                if (cluster.isEmpty()) {
                    engine = "ReplacingMergeTree" + (version == null ? "" : "(" + version + ")");
                } else if (keepEveryRow.contains(m.group(1))) {
                    engine = replicatedMergeTree(database, m.group(1));
                } else {
                    engine = "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/" + database + "/" + m.group(1)
                            + "', '{replica}'" + (version == null ? "" : ", " + version) + ")";
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(engine));
            }
            m.appendTail(sb);
            st = sb.toString();
            if (distributed != null) {
                st = PLAIN_MERGE_TREE.matcher(st).replaceFirst(Matcher.quoteReplacement(
                        "ENGINE = " + replicatedMergeTree(database, clusterTable)));
                Matcher engine = ENGINE.matcher(st);
                if (!engine.find() || !engine.group(1).startsWith("Replicated")) {
                    throw new IllegalStateException("on a cluster every table needs a Replicated engine (write"
                            + " ENGINE = MergeTree or ${replacing(table)} in the template): " + st);
                }
            }
            st = st.replace("${db}", database)
                    .replace("${on_cluster}", cluster.isEmpty() ? "" : "ON CLUSTER " + cluster);
            statements.add(new Statement(check(st)));
            if (distributed != null) {
                statements.add(new Statement(distributed));
            }
        }
        return statements;
    }

    private static String replicatedMergeTree(String database, String table) {
        return "ReplicatedMergeTree('/clickhouse/tables/{shard}/" + database + "/" + table + "', '{replica}')";
    }

    private static Conversion conversion(String table, String engineOf, String keys, String database, String cluster) {
        if (!table.equals(engineOf)) {
            throw new IllegalStateException("CONVERT TABLE " + table + " names the engine of " + engineOf);
        }
        String rest = check(keys.strip().replaceAll("\\s+", " "));
        if (cluster.isEmpty()) {
            return new Conversion(database + "." + table, database + "." + table + "__v004", database + "." + table, "",
                    "MergeTree " + rest, true);
        }
        // A new replication path: the old table's znodes stay in use until it is dropped.
        return new Conversion(database + "." + table + "_local", database + "." + table + "_local__v004",
                database + "." + table, " ON CLUSTER " + cluster, "ReplicatedMergeTree('/clickhouse/tables/{shard}/"
                + database + "/" + table + "_v004', '{replica}') " + rest, false);
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
