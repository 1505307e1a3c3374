package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JsonShapeDocTest {

    @Test
    void httpApiDocHoldsTheJsonShapeOfThisBuildsSchema() throws Exception {
        String doc = Files.readString(Path.of("../docs/http-api.md"), StandardCharsets.UTF_8);
        int begin = doc.indexOf(JsonShapeDoc.BEGIN);
        int end = doc.indexOf(JsonShapeDoc.END);
        assertThat(begin).as("markers in docs/http-api.md").isNotNegative();
        assertThat(end).isGreaterThan(begin);

        // Regenerate: run JsonShapeDoc.main (prints the block) and paste it between the markers.
        assertThat(doc.substring(begin, end + JsonShapeDoc.END.length() + 1)).isEqualTo(JsonShapeDoc.render())
                .contains("`BaselinePinned`");
    }
}
