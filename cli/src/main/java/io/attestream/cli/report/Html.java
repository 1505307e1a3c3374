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
