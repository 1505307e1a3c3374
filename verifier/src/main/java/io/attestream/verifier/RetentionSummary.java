package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * What a verification found pruned by a retention policy (docs/auditor-guide.md, "Pruned entries"): counted, not
 * findings. A pruned entry outside a policy is a {@link FindingKind#PRUNED_OUTSIDE_POLICY} finding instead.
 *
 * @param prunedByLog pruned entries within their policy, by {@code tenant/agent}
 * @param policies the retention policies the verification judged by, {@code tenant/type min..max days}
 * @param holds the legal holds in force it judged by, {@code id (scope, period; placed at ...)}
 */
public record RetentionSummary(Map<String, Long> prunedByLog, List<String> policies, List<String> holds) {
    /** Nothing pruned, no policy. */
    public static final RetentionSummary NONE = new RetentionSummary(Map.of(), List.of(), List.of());

    /** Validates and copies. */
    public RetentionSummary {
        prunedByLog = Map.copyOf(requireNonNull(prunedByLog, "prunedByLog"));
        policies = List.copyOf(requireNonNull(policies, "policies"));
        holds = List.copyOf(requireNonNull(holds, "holds"));
    }

    /**
     * Pruned entries of every log.
     *
     * @return the total
     */
    public long pruned() {
        return prunedByLog.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Pruned entries of one log.
     *
     * @param tenant the tenant
     * @param agentId the agent
     * @return the count, 0 when none
     */
    public long pruned(String tenant, String agentId) {
        return prunedByLog.getOrDefault(tenant + "/" + agentId, 0L);
    }
}
