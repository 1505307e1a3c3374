package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * The result of verifying a selection of agents.
 *
 * @param agents one result per agent, ordered by tenant then agent
 * @param rows event rows read
 * @param elapsed wall time of the verification
 * @param retention entries pruned by a retention policy (counted, not findings)
 */
public record VerificationReport(List<AgentResult> agents, long rows, Duration elapsed, RetentionSummary retention) {
    /** Validates and copies. */
    public VerificationReport {
        agents = List.copyOf(requireNonNull(agents, "agents"));
        requireNonNull(elapsed, "elapsed");
        requireNonNull(retention, "retention");
    }

    /**
     * A report without pruned entries.
     *
     * @param agents one result per agent
     * @param rows event rows read
     * @param elapsed wall time
     */
    public VerificationReport(List<AgentResult> agents, long rows, Duration elapsed) {
        this(agents, rows, elapsed, RetentionSummary.NONE);
    }

    /**
     * Whether every agent verified.
     *
     * @return true when there is at least one agent and no agent has a finding (no evidence is not OK)
     */
    public boolean ok() {
        return !agents.isEmpty() && agents.stream().allMatch(AgentResult::ok);
    }

    /**
     * Whether the selection held no evidence at all: no event row and no checkpoint.
     *
     * @return true when there is no agent
     */
    public boolean noEvidence() {
        return agents.isEmpty();
    }

    /**
     * Every finding of every agent.
     *
     * @return findings ordered by tenant, agent, seq
     */
    public List<Finding> findings() {
        return agents.stream().flatMap(a -> a.findings().stream()).toList();
    }

    /**
     * Rows verified per second.
     *
     * @return the rate, 0 for an empty run
     */
    public double rowsPerSecond() {
        long nanos = elapsed.toNanos();
        return nanos == 0 ? 0 : rows * 1e9 / nanos;
    }
}
