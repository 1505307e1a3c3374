package io.attestream.cli.report;

import java.util.List;

/** HTML escaping and tables for the report. */
final class Html {
    private Html() {
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<':
                    out.append("&lt;");
                    break;
                case '>':
                    out.append("&gt;");
                    break;
                case '&':
                    out.append("&amp;");
                    break;
                case '"':
                    out.append("&quot;");
                    break;
                case '\'':
                    out.append("&#39;");
                    break;
                default:
                    out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A table whose column named verdict, status or verified holds met / not met / no evidence / n/a: that cell gets
     * a class for its value and {@code data-check} (the gap or check) and {@code data-subject} (the row's first
     * cell) attributes, so a test or a reader's tool can find each verdict.
     */
    static String verdictTable(String id, List<String> header, List<List<String>> rows, String check) {
        int column = -1;
        for (int i = 0; i < header.size() && column < 0; i++) {
            if (List.of("verdict", "status", "verified").contains(header.get(i))) {
                column = i;
            }
        }
        if (column < 0) {
            throw new IllegalArgumentException("no verdict column in " + header);
        }
        StringBuilder html = new StringBuilder("<table id=\"" + id + "\" class=\"verdicts\"><thead><tr>");
        header.forEach(h -> html.append("<th>").append(escape(h)).append("</th>"));
        html.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            html.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                if (i == column) {
                    html.append("<td class=\"verdict ").append(cell.replace("/", "-").replace(' ', '-'))
                            .append("\" data-check=\"").append(escape(check)).append("\" data-subject=\"")
                            .append(escape(row.get(check.equals("readiness") ? 1 : 0))).append("\">")
                            .append(escape(cell)).append("</td>");
                } else {
                    html.append("<td>").append(escape(cell)).append("</td>");
                }
            }
            html.append("</tr>");
        }
        if (rows.isEmpty()) {
            html.append("<tr><td colspan=\"").append(header.size()).append("\" class=\"none\">none</td></tr>");
        }
        return html.append("</tbody></table>").toString();
    }

    static String table(String id, List<String> header, List<List<String>> rows) {
        StringBuilder html = new StringBuilder("<table id=\"" + id + "\"><thead><tr>");
        header.forEach(h -> html.append("<th>").append(escape(h)).append("</th>"));
        html.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            html.append("<tr>");
            row.forEach(cell -> html.append("<td>").append(escape(cell)).append("</td>"));
            html.append("</tr>");
        }
        if (rows.isEmpty()) {
            html.append("<tr><td colspan=\"").append(header.size()).append("\" class=\"none\">none</td></tr>");
        }
        return html.append("</tbody></table>").toString();
    }
}
