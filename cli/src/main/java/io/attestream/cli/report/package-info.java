/** {@code attestream report}: the HTML evidence pack auditors read (inline SVG charts, no external files). */
package io.attestream.cli.report;
