package io.attestream.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SvgTest {
    @Test
    void driftMarksAreLabelledLinesAtTheirBucket() {
        Map<String, Double[]> series = new LinkedHashMap<>();
        series.put("refund-bot v2.0.0 quality-regression/accuracy", new Double[] {0.9, 0.8, 0.79});
        String svg = Svg.lines("chart-evals", List.of("12-03 04:00", "12-03 05:00", "12-03 06:00"), series,
                Map.of(1, "drift 1"));
        assertThat(svg).contains("class=\"marker\"").contains("<title>drift 1</title>")
                .contains("class=\"marker-label\"").contains(">drift 1</text>");
        assertThat(svg.split("class=\"mark\"", -1)).hasSize(4);
    }

    @Test
    void keyHoldsEveryFullSeriesNameAndNoTwoSeriesLookAlike() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            names.add("a-rather-long-agent-name-" + i + " v1.0.0 quality-regression/accuracy");
        }
        String key = Svg.key("chart-evals", names);
        names.forEach(n -> assertThat(key).contains(">" + n + "</td>"));
        // Colours repeat after ten series: the repeats are dashed.
        assertThat(key.split("stroke-dasharray", -1)).hasSize(5);
    }
}
