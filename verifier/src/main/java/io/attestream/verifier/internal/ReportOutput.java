package io.attestream.verifier.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.Finding;
import io.attestream.verifier.RetentionSummary;
import io.attestream.verifier.VerificationReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Human and JSON renderings of a {@link VerificationReport}. */
public final class ReportOutput {
    private static final JsonFactory JSON = new JsonFactory();

    private ReportOutput() {
    }

    /**
     * Human output: one line per finding, a line per failing agent, a summary.
     *
     * @param r the report
     * @param out where to write
     */
    public static void human(VerificationReport r, PrintWriter out) {
        int failing = 0;
        long checkpoints = 0;
        long verified = 0;
        long tsOk = 0;
        long tsUnchecked = 0;
        Map<String, List<String>> logsByTsa = new TreeMap<>();
        for (AgentResult a : r.agents()) {
            for (String tsa : a.tsaSubjects()) {
                logsByTsa.computeIfAbsent(tsa, k -> new ArrayList<>()).add(a.tenant() + "/" + a.agentId());
            }
            checkpoints += a.checkpoints();
            verified += a.checkpointsVerified();
            tsOk += a.timestampsVerified();
            tsUnchecked += a.timestampsUnchecked();
            if (a.ok()) {
                continue;
            }
            failing++;
            out.printf(Locale.ROOT, "FAIL %s/%s: %d finding(s), %d rows, %d/%d checkpoints verified%n", a.tenant(),
                    a.agentId(), a.findings().size(), a.rows(), a.checkpointsVerified(), a.checkpoints());
            for (Finding f : a.findings()) {
                out.printf(Locale.ROOT, "  %-22s %s/%s seq %d: %s%n", f.kind().label(), f.tenant(), f.agentId(),
                        f.seq(), f.detail());
            }
        }
        for (Map.Entry<String, List<String>> e : logsByTsa.entrySet()) {
            List<String> logs = e.getValue();
            out.printf(Locale.ROOT, "timestamps trusted from TSA \"%s\": %d log(s)%s%n", e.getKey(), logs.size(),
                    logs.size() == r.agents().size() ? " (all)" : ": " + String.join(", ", logs));
        }
        RetentionSummary ret = r.retention();
        if (ret.pruned() > 0) {
            out.printf(Locale.ROOT, "pruned by retention policy (expected, not findings): %d entries of %d log(s);"
                    + " policies %s; holds in force: %s%n", ret.pruned(), ret.prunedByLog().size(),
                    String.join(", ", ret.policies()), ret.holds().isEmpty() ? "none" : String.join(", ", ret.holds()));
        }
        out.printf(Locale.ROOT, "%s: %d agent(s), %d failing; %d rows in %.1f s (%.0f rows/s); %d/%d checkpoints "
                + "verified; timestamps %d verified, %d unchecked%n", r.noEvidence() ? "NO EVIDENCE" : r.ok() ? "OK"
                : "FAILED", r.agents().size(),
                failing, r.rows(), r.elapsed().toNanos() / 1e9, r.rowsPerSecond(), verified, checkpoints, tsOk,
                tsUnchecked);
        if (tsUnchecked > 0) {
            out.println("note: timestamp tokens were not checked: pass --tsa-cert with the TSA's CA certificate");
        }
        out.flush();
    }

    /**
     * JSON output: {@code {"ok":..., "rows":..., "elapsed_ms":..., "agents":[...], "findings":[...]}}.
     *
     * @param r the report
     * @param out where to write (not closed)
     */
    public static void json(VerificationReport r, Writer out) {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeBooleanField("ok", r.ok());
            g.writeBooleanField("no_evidence", r.noEvidence());
            g.writeNumberField("rows", r.rows());
            g.writeNumberField("elapsed_ms", r.elapsed().toMillis());
            g.writeArrayFieldStart("agents");
            for (AgentResult a : r.agents()) {
                g.writeStartObject();
                g.writeStringField("tenant", a.tenant());
                g.writeStringField("agent_id", a.agentId());
                g.writeBooleanField("ok", a.ok());
                g.writeNumberField("rows", a.rows());
                g.writeNumberField("entries", a.entries());
                g.writeNumberField("checkpoints", a.checkpoints());
                g.writeNumberField("checkpoints_verified", a.checkpointsVerified());
                g.writeNumberField("latest_verified_tree_size", a.latestVerifiedTreeSize());
                g.writeNumberField("timestamps_verified", a.timestampsVerified());
                g.writeNumberField("timestamps_unchecked", a.timestampsUnchecked());
                g.writeNumberField("findings", a.findings().size());
                g.writeNumberField("pruned", r.retention().pruned(a.tenant(), a.agentId()));
                g.writeArrayFieldStart("tsa_subjects");
                for (String tsa : a.tsaSubjects()) {
                    g.writeString(tsa);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("pruned", r.retention().pruned());
            g.writeArrayFieldStart("retention_policies");
            for (String p : r.retention().policies()) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("legal_holds_in_force");
            for (String h : r.retention().holds()) {
                g.writeString(h);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("findings");
            for (Finding f : r.findings()) {
                g.writeStartObject();
                g.writeStringField("tenant", f.tenant());
                g.writeStringField("agent_id", f.agentId());
                g.writeNumberField("seq", f.seq());
                g.writeStringField("kind", f.kind().label());
                g.writeStringField("detail", f.detail());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the JSON report", e);
        }
    }
}
