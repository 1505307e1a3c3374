package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

/**
 * One failure found in the stored evidence of one agent.
 *
 * @param tenant the tenant
 * @param agentId the agent
 * @param seq the seq the failure is at: the stored row's seq for row findings, the first missing seq for
 *     gaps and truncations, {@code treeSize - 1} (the checkpoint's head) for checkpoint findings
 * @param kind what happened
 * @param detail a sentence for people: what was expected and what was found
 */
public record Finding(String tenant, String agentId, long seq, FindingKind kind, String detail) {
    /** Validates. */
    public Finding {
        requireNonNull(tenant, "tenant");
        requireNonNull(agentId, "agentId");
        requireNonNull(kind, "kind");
        requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return kind.label() + " " + tenant + "/" + agentId + " seq " + seq + ": " + detail;
    }
}
