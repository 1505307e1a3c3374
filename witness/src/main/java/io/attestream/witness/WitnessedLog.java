package io.attestream.witness;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.VerifierKey;
import java.util.List;

/**
 * Which logs a witness accepts: an origin, or an origin prefix ending in {@code *}, and the checkpoint
 * signer keys trusted for it. Attestream has one log per agent, created as agents appear, so a deployment
 * names its logs by prefix ({@code attestream/*}, or {@code attestream/acme/*} for one tenant) and the
 * chainer's vkey. Immutable.
 *
 * @param pattern an exact origin, or a prefix followed by {@code *}
 * @param keys the log's checkpoint signer keys (several during a key rotation)
 */
public record WitnessedLog(String pattern, List<VerifierKey> keys) {
    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException when the pattern is empty or has a {@code *} elsewhere than at
     *     its end, or there is no key
     */
    public WitnessedLog {
        requireNonNull(pattern, "pattern");
        requireNonNull(keys, "keys");
        keys = List.copyOf(keys);
        int star = pattern.indexOf('*');
        if (pattern.isEmpty() || star >= 0 && star != pattern.length() - 1
                || pattern.codePoints().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("log pattern must be an origin or a prefix ending in '*', without "
                    + "whitespace: '" + pattern + "'");
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("log pattern " + pattern + " needs at least one checkpoint signer key");
        }
    }

    /**
     * Whether an origin is one of these logs.
     *
     * @param origin a checkpoint origin
     * @return true when it equals the pattern, or starts with the prefix before {@code *}
     */
    public boolean matches(String origin) {
        return pattern.endsWith("*") ? origin.startsWith(pattern.substring(0, pattern.length() - 1))
                : origin.equals(pattern);
    }

    CheckpointVerifier verifier() {
        return CheckpointVerifier.of(keys);
    }
}
