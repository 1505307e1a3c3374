package io.attestream.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.attestream.integrity.MalformedDataException;
import java.io.IOException;
import java.io.StringWriter;

/** The strict JSON reading shared by the proof files ({@link ProofBundle}, {@link ConsistencyBundle}). */
final class BundleJson {
    /** Duplicate keys are rejected by the parser. */
    static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private BundleJson() {
    }

    static void expect(JsonToken got, JsonToken want, String what) {
        if (got != want) {
            throw new MalformedDataException(what + ": expected " + want + ", got " + got);
        }
    }

    static long number(JsonParser p, JsonToken t, String name) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new MalformedDataException(name + " must be an integer");
        }
        return p.getLongValue();
    }

    static String text(JsonParser p, JsonToken t, String name) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw new MalformedDataException(name + " must be a string");
        }
        return p.getText();
    }

    /** The object starting at the current token, re-serialised (for the nested formats' own strict parsers). */
    static String raw(JsonParser p, JsonToken t, String name) throws IOException {
        expect(t, JsonToken.START_OBJECT, name);
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.copyCurrentStructure(p);
        }
        return w.toString();
    }
}
