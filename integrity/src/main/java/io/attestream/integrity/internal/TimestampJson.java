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
import java.util.List;

/**
 * The JSON form of a checkpoint timestamp (docs/integrity.md, "Checkpoint timestamp JSON"):
 * {@code {"version":1,"leaf_index":N,"batch_size":N,"batch_path":["<b64>",...],"token":"<b64 DER>"}}.
 * Parsing is strict: unknown, duplicate or missing keys and wrong types are errors.
 */
public final class TimestampJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * The fields, undecoded.
     *
     * @param leafIndex index of the checkpoint's note hash in the batch
     * @param batchSize number of notes in the batch
     * @param path base64 hashes
     * @param token base64 DER token
     */
    public record Fields(long leafIndex, long batchSize, List<String> path, String token) {
    }

    private TimestampJson() {
    }

    /**
     * Writes the compact JSON form.
     *
     * @param f the fields
     * @return the JSON
     */
    public static String write(Fields f) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeNumberField("leaf_index", f.leafIndex());
            g.writeNumberField("batch_size", f.batchSize());
            g.writeArrayFieldStart("batch_path");
            for (String p : f.path()) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeStringField("token", f.token());
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
     * @return the fields
     * @throws IllegalArgumentException naming the first problem
     */
    public static Fields read(String json) {
        Long leaf = null;
        Long size = null;
        List<String> path = null;
        String token = null;
        boolean version = false;
        try (JsonParser p = FACTORY.createParser(json)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "expected a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                switch (key) {
                    case "version":
                        expect(t == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == 1,
                                "unsupported checkpoint timestamp version " + p.getText() + " (this library reads 1)");
                        version = true;
                        break;
                    case "leaf_index":
                        leaf = integer(p, t, key);
                        break;
                    case "batch_size":
                        size = integer(p, t, key);
                        break;
                    case "batch_path":
                        expect(t == JsonToken.START_ARRAY, "'batch_path' must be an array");
                        path = new ArrayList<>();
                        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                            expect(t == JsonToken.VALUE_STRING, "'batch_path' must hold base64 strings");
                            path.add(p.getText());
                        }
                        break;
                    case "token":
                        expect(t == JsonToken.VALUE_STRING, "'token' must be a base64 string");
                        token = p.getText();
                        break;
                    default:
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
        expect(leaf != null, "missing 'leaf_index'");
        expect(size != null, "missing 'batch_size'");
        expect(path != null, "missing 'batch_path'");
        expect(token != null, "missing 'token'");
        return new Fields(leaf, size, List.copyOf(path), token);
    }

    private static long integer(JsonParser p, JsonToken t, String key) throws IOException {
        expect(t == JsonToken.VALUE_NUMBER_INT, "'" + key + "' must be an integer");
        expect(p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG,
                "'" + key + "' out of range");
        return p.getLongValue();
    }

    private static void expect(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
