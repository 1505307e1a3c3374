package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * The verification result of one agent's log.
 *
 * @param tenant the tenant
 * @param agentId the agent
 * @param rows stored rows read
 * @param entries chain positions covered (highest stored seq + 1, or the checkpointed size when larger rows
 *     were deleted)
 * @param checkpoints stored checkpoints
 * @param checkpointsVerified checkpoints whose signature verified and whose Merkle root and chain head the
 *     recomputed tree matched
 * @param latestVerifiedTreeSize tree size of the largest verified checkpoint, 0 when none
 * @param timestampsVerified timestamp tokens that verified
 * @param timestampsUnchecked timestamp tokens present but not checked (no TSA certificate given)
 * @param findings every failure found, ordered by seq
 * @param tsaSubjects subject names of the TSA certificates whose tokens verified for this log (each chains to a
 *     trusted {@code --tsa-cert}), sorted
 * @param newestVerifiedCheckpoint the stored row of the largest checkpoint whose signature, root and chain head
 *     verified, or null when none did (what {@code --state} remembers)
 */
public record AgentResult(String tenant, String agentId, long rows, long entries, int checkpoints,
        int checkpointsVerified, long latestVerifiedTreeSize, int timestampsVerified, int timestampsUnchecked,
        List<Finding> findings, List<String> tsaSubjects, CheckpointRow newestVerifiedCheckpoint) {

    /** Validates and copies. */
    public AgentResult {
        requireNonNull(tenant, "tenant");
        requireNonNull(agentId, "agentId");
        findings = List.copyOf(requireNonNull(findings, "findings"));
        tsaSubjects = List.copyOf(requireNonNull(tsaSubjects, "tsaSubjects"));
    }

    /**
     * The newest verified checkpoint.
     *
     * @return its stored row, if any
     */
    public Optional<CheckpointRow> newestVerified() {
        return Optional.ofNullable(newestVerifiedCheckpoint);
    }

    /**
     * Whether nothing was found.
     *
     * @return true when {@link #findings()} is empty
     */
    public boolean ok() {
        return findings.isEmpty();
    }
}
