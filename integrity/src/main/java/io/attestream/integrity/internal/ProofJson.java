package io.attestream.integrity.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON proof format (docs/integrity.md §"Proof JSON"): one object with integer fields, one
 * array of base64 strings and a "version". Parsing is strict: unknown or duplicate keys, wrong
 * types and missing keys are errors.
 */
public final class ProofJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** A parsed proof object: integer fields by name, and the path strings. */
    public record Parsed(Map<String, Long> numbers, List<String> path) {
    }

    private ProofJson() {
    }

    /**
     * Writes {"version":1, n1:v1, ..., pathKey:[...]} with keys in the given order.
     *
     * @param numbers integer fields in order
     * @param pathKey name of the array
     * @param path base64 strings
     * @return compact JSON
     */
    public static String write(Map<String, Long> numbers, String pathKey, List<String> path) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("version", 1);
            for (Map.Entry<String, Long> e : numbers.entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeArrayFieldStart(pathKey);
            for (String p : path) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Parses strictly.
     *
     * @param json the text
     * @param numberKeys the required integer keys
     * @param pathKey the required array key
     * @return the fields
     * @throws IllegalArgumentException naming the first problem
     */
    public static Parsed read(String json, List<String> numberKeys, String pathKey) {
        Map<String, Long> numbers = new LinkedHashMap<>();
        List<String> path = null;
        boolean version = false;
        try (JsonParser p = FACTORY.createParser(json)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "expected a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (key.equals("version")) {
                    expect(t == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == 1,
                            "unsupported proof version " + p.getText() + " (this library reads version 1)");
                    version = true;
                } else if (key.equals(pathKey)) {
                    expect(t == JsonToken.START_ARRAY, "'" + pathKey + "' must be an array");
                    path = new ArrayList<>();
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        expect(t == JsonToken.VALUE_STRING, "'" + pathKey + "' must hold base64 strings");
                        path.add(p.getText());
                    }
                } else if (numberKeys.contains(key)) {
                    expect(t == JsonToken.VALUE_NUMBER_INT, "'" + key + "' must be an integer");
                    expect(p.getNumberType() == JsonParser.NumberType.INT
                            || p.getNumberType() == JsonParser.NumberType.LONG, "'" + key + "' out of range");
                    numbers.put(key, p.getLongValue());
                } else {
                    throw new IllegalArgumentException("unknown key '" + key + "'");
                }
            }
            expect(p.currentToken() == JsonToken.END_OBJECT, "malformed object");
            expect(p.nextToken() == null, "trailing data after the JSON object");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        expect(version, "missing 'version'");
        for (String k : numberKeys) {
            expect(numbers.containsKey(k), "missing '" + k + "'");
        }
        expect(path != null, "missing '" + pathKey + "'");
        return new Parsed(Map.copyOf(numbers), List.copyOf(path));
    }

    private static void expect(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
