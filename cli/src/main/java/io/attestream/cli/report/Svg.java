package io.attestream.cli.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Small server-side SVG charts, so the report is one self-contained file that needs no script library. */
final class Svg {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int WIDTH = 900;
    private static final int HEIGHT = 280;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private Svg() {
    }

    /** Stacked bars: one bar per x label, one colour per series. */
    static String stackedBars(String id, List<String> xLabels, Map<String, double[]> series) {
        double max = 1;
        for (int i = 0; i < xLabels.size(); i++) {
            double sum = 0;
            for (double[] values : series.values()) {
                sum += values[i];
            }
            max = Math.max(max, sum);
        }
        StringBuilder svg = open(id, "bar");
        axes(svg, max);
        double plotWidth = WIDTH - LEFT - RIGHT;
        double slot = plotWidth / Math.max(1, xLabels.size());
        double barWidth = Math.max(2, slot * 0.7);
        for (int i = 0; i < xLabels.size(); i++) {
            double y = HEIGHT - BOTTOM;
            int color = 0;
            for (Map.Entry<String, double[]> s : series.entrySet()) {
                double h = (HEIGHT - TOP - BOTTOM) * s.getValue()[i] / max;
                if (h > 0) {
                    svg.append(String.format(Locale.ROOT,
                            "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                                    + "<title>%s %s: %.0f</title></rect>",
                            LEFT + i * slot + (slot - barWidth) / 2, y - h, barWidth, h, color(color),
                            Html.escape(xLabels.get(i)), Html.escape(s.getKey()), s.getValue()[i]));
                }
                y -= h;
                color++;
            }
        }
        xLabels(svg, xLabels, slot);
        return svg.append("</svg>").toString();
    }

    /** Lines over a shared x axis (index positions), with vertical markers at some x positions. */
    static String lines(String id, List<String> xLabels, Map<String, Double[]> series, Map<Integer, String> markers) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (Double[] values : series.values()) {
            for (Double v : values) {
                if (v != null) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            min = 0;
            max = 1;
        }
        double pad = (max - min) * 0.1 + 1e-9;
        min -= pad;
        max += pad;
        StringBuilder svg = open(id, "line");
        svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%.3f</text>", TOP + 4, max));
        svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%.3f</text>", HEIGHT - BOTTOM,
                min));
        svg.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT,
                HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
        double slot = (double) (WIDTH - LEFT - RIGHT) / Math.max(1, xLabels.size());
        for (Map.Entry<Integer, String> marker : markers.entrySet()) {
            double x = LEFT + marker.getKey() * slot + slot / 2;
            svg.append(String.format(Locale.ROOT, "<line class=\"marker\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                    + " stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"5 3\"><title>%s</title></line>"
                    + "<text class=\"marker-label\" x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#d62728\""
                    + " text-anchor=\"middle\">%s</text>", x, TOP + 4, x, HEIGHT - BOTTOM,
                    Html.escape(marker.getValue()), x, TOP - 6, Html.escape(marker.getValue())));
        }
        int color = 0;
        for (Map.Entry<String, Double[]> s : series.entrySet()) {
            StringBuilder points = new StringBuilder();
            Double[] values = s.getValue();
            for (int i = 0; i < values.length; i++) {
                if (values[i] == null) {
                    continue;
                }
                double x = LEFT + i * slot + slot / 2;
                double y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (values[i] - min) / (max - min);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                svg.append(String.format(Locale.ROOT, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\""
                        + " fill=\"%s\"><title>%s %s: %.4f</title></circle>", x, y, color(color),
                        Html.escape(s.getKey()), Html.escape(xLabels.get(i)), values[i]));
            }
            svg.append(String.format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"%s\"/>",
                    color(color), dash(color), points.toString().strip()));
            color++;
        }
        xLabels(svg, xLabels, slot);
        return svg.append("</svg>").toString();
    }

    /**
     * The key of a chart as an HTML table under it: full series names (never truncated, they wrap), each with
     * its colour and line style.
     */
    static String key(String chartId, List<String> names) {
        StringBuilder html = new StringBuilder("<table class=\"key\" id=\"key-" + chartId + "\"><tbody>");
        for (int i = 0; i < names.size(); i++) {
            html.append(String.format("<tr><td><svg width=\"28\" height=\"10\"><line x1=\"0\" y1=\"5\" x2=\"28\""
                    + " y2=\"5\" stroke=\"%s\" stroke-width=\"6\"%s/></svg></td><td>%s</td></tr>", color(i),
                    dash(i), Html.escape(names.get(i))));
        }
        return html.append("</tbody></table>").toString();
    }

    private static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    /** Series beyond the palette repeat a colour, dashed, so that no two look alike. */
    private static String dash(int i) {
        return i < COLORS.length ? "" : " stroke-dasharray=\"" + (i / COLORS.length * 3 + 2) + " 2\"";
    }

    private static StringBuilder open(String id, String kind) {
        return new StringBuilder(String.format("<svg id=\"%s\" class=\"chart %s\" xmlns=\"http://www.w3.org/2000/svg\""
                + " viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">", id, kind, WIDTH, HEIGHT, WIDTH,
                HEIGHT));
    }

    private static void axes(StringBuilder svg, double max) {
        svg.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, TOP, LEFT,
                HEIGHT - BOTTOM));
        svg.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT,
                HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
        svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%.0f</text>", TOP + 4, max));
        svg.append(String.format("<text x=\"4\" y=\"%d\" font-size=\"11\">0</text>", HEIGHT - BOTTOM));
    }

    private static void xLabels(StringBuilder svg, List<String> labels, double slot) {
        int every = Math.max(1, labels.size() / 12);
        for (int i = 0; i < labels.size(); i += every) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s"
                    + "</text>", LEFT + i * slot + slot / 2, HEIGHT - BOTTOM + 16, Html.escape(labels.get(i))));
        }
    }

    /** Groups (x, series, value) rows into aligned arrays, x in first-seen order. */
    static Map<String, double[]> align(List<String> xs, List<String[]> rows) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String[] row : rows) {
            out.computeIfAbsent(row[1], k -> new double[xs.size()])[xs.indexOf(row[0])] += Double.parseDouble(row[2]);
        }
        return out;
    }
}
