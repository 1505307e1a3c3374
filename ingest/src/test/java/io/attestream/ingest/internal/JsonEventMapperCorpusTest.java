package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.testing.SampleEvents;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The mapper's answer to a corpus of JSON events, compared with what the mapper of f18d2f9 (before the issue 16
 * rewrite: paths built eagerly, union branches and defaults looked up per event, a regex for uuids) answered to the
 * same corpus: every accepted event's Avro body (its SHA-256) and every refused event's violations, paths, messages
 * and order alike. The corpus is every sample event of each payload type, and each of them with every member, at any
 * depth, removed or replaced by each of {@link #REPLACEMENTS}, plus unknown members, two-key and unknown payload
 * branches. {@code json-mapper-corpus.txt.gz} was written by {@link #main} run against the classes of f18d2f9.
 */
class JsonEventMapperCorpusTest {
    private static final String GOLDEN = "json-mapper-corpus.txt.gz";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<JsonNode> REPLACEMENTS = List.of(F.nullNode(), F.numberNode(0), F.numberNode(-1),
            F.numberNode(2_147_483_648L), F.numberNode(new BigInteger("9223372036854775808")), F.numberNode(1.5),
            F.textNode(""), F.textNode("x"), F.booleanNode(true), F.arrayNode(), F.arrayNode().add("A.8.15"),
            F.objectNode(), F.objectNode().put("a", 1), F.textNode("5D0C2A4E-7D8B-4F7E-9A3E-1C2B3D4E5F60"),
            F.textNode("5d0c2a4e7d8b4f7e9a3e1c2b3d4e5f60"), F.textNode("2026-11-01T09:00:00Z"),
            F.textNode("ab".repeat(32)), F.textNode("AB".repeat(32)), F.textNode("zz".repeat(32)));

    @Test
    void answersTheCorpusAsTheMapperBeforeTheRewriteDid() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>();
        try (InputStream in = JsonEventMapperCorpusTest.class.getResourceAsStream(GOLDEN);
             BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in),
                     StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                int tab = line.indexOf('\t');
                expected.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        Map<String, String> actual = answers();
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        assertThat(expected).hasSizeGreaterThan(3000);
        for (Map.Entry<String, String> e : actual.entrySet()) {
            assertThat(e.getValue()).as(e.getKey()).isEqualTo(expected.get(e.getKey()));
        }
    }

    /**
     * The streaming path gives every event of the corpus that the tree path accepts, with the same body, and none that
     * it refuses (those it leaves to the tree path).
     */
    @Test
    void streamingPathGivesTheTreePathsBodyForEveryAcceptedEventAndNoOther() throws IOException {
        JsonFactory factory = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        int accepted = 0;
        int streamed = 0;
        List<String> missed = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : corpus().entrySet()) {
            JsonEventMapper.Result tree = JsonEventMapper.map(e.getValue());
            JsonEventMapper.Streamed s;
            try (JsonParser parser = factory.createParser(JSON.writeValueAsBytes(e.getValue()))) {
                s = JsonEventMapper.mapCommon(parser, null, name -> null);
            }
            accepted += tree.ok() ? 1 : 0;
            if (tree.ok() && s == null) {
                missed.add(e.getKey());
            }
            if (s != null) {
                streamed++;
                assertThat(tree.ok()).as(e.getKey()).isTrue();
                assertThat(s.avroBody()).as(e.getKey()).isEqualTo(tree.avroBody());
                assertThat(s.event()).as(e.getKey()).isEqualTo(tree.event());
            }
        }
        assertThat(accepted).isGreaterThan(100);
        assertThat(missed).isEmpty();
        assertThat(streamed).isEqualTo(accepted);
    }

    /** Writes the golden file to {@code args[0]}: run with the classes of the mapper to compare against. */
    public static void main(String[] args) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(Path.of(args[0])));
             PrintWriter w = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
            answers().forEach((k, v) -> w.print(k + "\t" + v + "\n"));
        }
    }

    /** Case name to answer: {@code ok <sha256 of the body>} or {@code refused <violations>}. */
    private static Map<String, String> answers() {
        Map<String, String> out = new LinkedHashMap<>();
        corpus().forEach((name, json) -> {
            JsonEventMapper.Result r = JsonEventMapper.map(json);
            out.put(name, r.ok() ? "ok " + sha256(r.avroBody()) : "refused " + r.violations());
        });
        return out;
    }

    private static Map<String, JsonNode> corpus() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (AuditEvent event : SampleEvents.oneOfEach("acme", "refund-bot")) {
            ObjectNode base = JsonEventMapper.toJson(event);
            String type = base.get("payload").fieldNames().next();
            out.put(type, base);
            for (String pointer : pointers(base, "")) {
                out.put(type + " " + pointer + " removed", edit(base, pointer, null));
                for (int i = 0; i < REPLACEMENTS.size(); i++) {
                    out.put(type + " " + pointer + " = " + REPLACEMENTS.get(i), edit(base, pointer,
                            REPLACEMENTS.get(i)));
                }
            }
            out.put(type + " unknown member", base.deepCopy().put("extra", 1));
            ObjectNode nested = base.deepCopy();
            ((ObjectNode) nested.get("recordedBy")).put("extra", "x");
            ((ObjectNode) nested.get("payload").get(type)).put("extra", "x").put("another", 2);
            nested.put("zz", 1);
            out.put(type + " unknown members nested", nested);
            ObjectNode twoBranches = base.deepCopy();
            ((ObjectNode) twoBranches.get("payload")).set("EvalResult", F.objectNode());
            out.put(type + " two payload branches", twoBranches);
            ObjectNode unknownBranch = base.deepCopy();
            unknownBranch.set("payload", F.objectNode().set("NoSuchType", base.get("payload").get(type)));
            out.put(type + " unknown payload branch", unknownBranch);
            ObjectNode many = base.deepCopy();
            many.remove("tenant");
            many.put("occurredAt", "yesterday").put("traceId", "XYZ").put("bogus", true);
            ((ObjectNode) many.get("payload").get(type)).removeAll();
            out.put(type + " many faults", many);
        }
        return out;
    }

    /** JSON pointers of every member and array item of {@code node}, parents before children. */
    private static List<String> pointers(JsonNode node, String at) {
        List<String> out = new ArrayList<>();
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = at + "/" + e.getKey();
                out.add(p);
                out.addAll(pointers(e.getValue(), p));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = at + "/" + i;
                out.add(p);
                out.addAll(pointers(node.get(i), p));
            }
        }
        return out;
    }

    /** A copy of {@code base} with the value at {@code pointer} replaced by {@code value}, or removed (null). */
    private static JsonNode edit(ObjectNode base, String pointer, JsonNode value) {
        ObjectNode copy = base.deepCopy();
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = slash == 0 ? copy : copy.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent instanceof ObjectNode object) {
            if (value == null) {
                object.remove(last);
            } else {
                object.set(last, value.deepCopy());
            }
        } else {
            ArrayNode array = (ArrayNode) parent;
            if (value == null) {
                array.remove(Integer.parseInt(last));
            } else {
                array.set(Integer.parseInt(last), value.deepCopy());
            }
        }
        return copy;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
