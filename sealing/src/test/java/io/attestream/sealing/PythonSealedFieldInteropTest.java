package io.attestream.sealing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.testing.ExternalTool;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed fields made now by Java open in the independent Python implementation ({@code vectors/sealed_field.py}:
 * hmac + cryptography's AESGCM, written from docs/integrity.md), moved ones do not, and fields sealed by Python open
 * in Java. Needs python3 with {@code cryptography} (Debian python3-cryptography); skipped without, failing with
 * CI=true.
 */
class PythonSealedFieldInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path tmp;

    @Test
    void pythonOpensJavaSealedFieldsRejectsMovedOnesAndJavaOpensPythonSealedFields() throws Exception {
        Path python = Files.isExecutable(Path.of("/usr/bin/python3")) ? Path.of("/usr/bin/python3")
                : ExternalTool.require("python3", "the independent sealed-field implementation is Python");
        ExternalTool.requirePresent(run(List.of(python.toString(), "-c", "import cryptography"), tmp).exit == 0,
                "Python package cryptography (Debian python3-cryptography)", "the independent implementation's AES-GCM");
        Path script = tmp.resolve("sealed_field.py");
        try (InputStream in = getClass().getResourceAsStream("/vectors/sealed_field.py")) {
            Files.write(script, in.readAllBytes());
        }
        String[] tenants = {"acme", "t\u00e9nant/x", "\ud83d\ude00"};
        String[] texts = {"", "hello", "Frau M\u00fcller, IBAN DE02 1203 0000 0000 2020 51", "line1\nline2\u0000",
            "x".repeat(5000)};
        ArrayNode cases = JSON.createArrayNode();
        for (int i = 0; i < 15; i++) {
            byte[] digestKey = random(32);
            byte[] dataKey = random(32);
            byte[] nonce = random(12);
            ObjectNode c = cases.addObject();
            c.put("digestKey", HEX.formatHex(digestKey));
            c.put("subjectId", "user-" + i + "-\u00e9");
            c.put("dataKey", HEX.formatHex(dataKey));
            c.put("nonce", HEX.formatHex(nonce));
            c.put("tenant", tenants[i % tenants.length]);
            c.put("agentId", "agent " + i);
            c.put("eventId", UUID.randomUUID().toString());
            c.put("field", i % 2 == 0 ? "payload.inlinePayload" : "payload.attributes.user prompt." + i);
            c.put("keyId", UUID.randomUUID().toString());
            c.put("cleartext", texts[i % texts.length]);
            byte[] digest = SealedFields.subjectDigest(digestKey, c.get("subjectId").asText());
            c.put("subjectDigest", HEX.formatHex(digest));
            byte[] aad = SealedFields.aad(c.get("tenant").asText(), c.get("agentId").asText(), c.get("eventId").asText(),
                    c.get("field").asText(), c.get("keyId").asText(), digest);
            c.put("ciphertext", HEX.formatHex(SealedFields.seal(dataKey, nonce, aad, c.get("cleartext").asText())));
        }
        // the last case's ciphertext moved to another event: must not open
        ObjectNode moved = cases.get(0).deepCopy();
        moved.put("eventId", UUID.randomUUID().toString());
        cases.add(moved);
        Path file = tmp.resolve("java-cases.json");
        JSON.writeValue(file.toFile(), cases);
        Run r = run(List.of(python.toString(), script.toString(), "check", file.toString()), tmp);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            expected.add("OK " + i);
        }
        expected.add("FAIL 15 does not open (InvalidTag)");
        assertThat(r.out.lines().toList()).as(r.out).isEqualTo(expected);
        assertThat(r.exit).isEqualTo(1);

        // Python seals, Java opens
        ArrayNode toSeal = JSON.createArrayNode();
        for (int i = 0; i < 15; i++) {
            ObjectNode c = ((ObjectNode) cases.get(i)).deepCopy();
            c.remove(List.of("ciphertext", "subjectDigest"));
            c.put("nonce", HEX.formatHex(random(12)));
            toSeal.add(c);
        }
        Path in = tmp.resolve("to-seal.json");
        JSON.writeValue(in.toFile(), toSeal);
        Run sealed = run(List.of(python.toString(), script.toString(), "seal", in.toString()), tmp);
        assertThat(sealed.exit).as(sealed.out).isZero();
        JsonNode out = JSON.readTree(sealed.out);
        assertThat(out.size()).isEqualTo(15);
        for (JsonNode c : out) {
            byte[] digest = SealedFields.subjectDigest(HEX.parseHex(c.get("digestKey").asText()), c.get("subjectId").asText());
            assertThat(HEX.formatHex(digest)).isEqualTo(c.get("subjectDigest").asText());
            byte[] aad = SealedFields.aad(c.get("tenant").asText(), c.get("agentId").asText(), c.get("eventId").asText(),
                    c.get("field").asText(), c.get("keyId").asText(), digest);
            assertThat(SealedFields.open(HEX.parseHex(c.get("dataKey").asText()), HEX.parseHex(c.get("nonce").asText()),
                    aad, HEX.parseHex(c.get("ciphertext").asText()))).isEqualTo(c.get("cleartext").asText());
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private record Run(int exit, String out) {
    }

    private static Run run(List<String> cmd, Path dir) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python timed out");
        }
        return new Run(p.exitValue(), out);
    }
}
