package io.attestream.schemas.registry;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Answer of the registry's compatibility check.
 *
 * @param compatible whether the candidate may be registered under the subject
 * @param messages   the registry's reasons when it gives them (Confluent's {@code verbose=true}); may be empty
 */
public record CompatibilityResult(boolean compatible, List<String> messages) {
    public CompatibilityResult {
        messages = List.copyOf(requireNonNull(messages, "messages"));
    }
}
