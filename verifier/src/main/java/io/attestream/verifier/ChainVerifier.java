package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.verifier.internal.AgentStateMachine;
import io.attestream.verifier.internal.CheckpointChecks;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Verifies agents' logs from their stored rows, trusting only the checkpoint verifier keys, the TSA trust
 * configuration and (optionally) schema fingerprints re-derived from schema text. Immutable and thread-safe;
 * each {@link AgentRun} is single-threaded.
 *
 * <p>Per agent: {@link #begin} with all the agent's stored checkpoints (signatures and timestamps are checked
 * there), then {@link AgentRun#accept} every stored event row in ascending seq order (rows with equal seq in
 * any order), then {@link AgentRun#finish}. Memory is constant on intact stretches; around an anomaly the
 * run buffers rows until the chain links again (at most {@link #MAX_ANOMALY_ROWS}), and it keeps the stored
 * hash of every anomalous row to recognise distant swaps.
 *
 * <p>How findings are classified (docs in the module README):
 * <ul>
 *   <li>every row's chain hash is recomputed from tenant, agent, seq, stored previous hash, schema id, the
 *       schema fingerprint (re-derived when the schema text is known) and the event body; a row whose bytes
 *       do not give its stored hash, or whose stored hash is not what the next entry links to, is
 *       {@link FindingKind#MODIFIED};</li>
 *   <li>a row that recomputes correctly at another seq is {@link FindingKind#REORDERED}; a missing seq is
 *       {@link FindingKind#DELETED}; an exact second copy is {@link FindingKind#REPLAYED}; a second, different
 *       row for a seq whose genuine row is present is {@link FindingKind#INSERTED};</li>
 *   <li>the Merkle tree is rebuilt over the entry hashes the chain attests (a modified or deleted single entry
 *       is recovered from the next entry's previous hash), so checkpoints still prove the original entries
 *       and one tampered row gives one finding; a verified checkpoint whose root differs means a stretch was
 *       re-chained consistently ({@link FindingKind#MODIFIED}); one that covers more entries than stored means
 *       {@link FindingKind#TRUNCATED}.</li>
 * </ul>
 */
public final class ChainVerifier {
    /** Most rows buffered around one anomaly before it is analysed on what was seen. */
    public static final int MAX_ANOMALY_ROWS = 65_536;

    private final CheckpointVerifier keys;
    private final TimestampVerifier timestamps;
    private final Map<Integer, Hash> fingerprints;
    private final Settings settings;

    private ChainVerifier(CheckpointVerifier keys, TimestampVerifier timestamps, Map<Integer, Hash> fingerprints,
            Settings settings) {
        this.keys = keys;
        this.timestamps = timestamps;
        this.fingerprints = Map.copyOf(fingerprints);
        this.settings = settings;
    }

    /**
     * What the coverage and time-binding checks assume (docs/integrity.md §7; the verify options of the same
     * names).
     *
     * @param defaultCadence the cadence assumed where no verified checkpoint states one: logs whose newest
     *     checkpoint is in format 1, and logs without any verified checkpoint ({@code --default-cadence})
     * @param sealSlack how much later than the cadence promises a checkpoint may be made or land before its
     *     absence is a finding: chainer flush interval, TSA retries ({@code chainer.tsa.max.wait.ms}), sink lag
     *     ({@code --seal-slack})
     * @param timestampBound the longest a checkpoint's genTime may follow its signed creation time
     *     ({@code --timestamp-bound})
     * @param clockSkew how far the TSA's clock may lag the chainer's: genTime may be this much before the signed
     *     creation time or an entry's chained time ({@code --clock-skew}); also absorbs a TSA that gives whole
     *     seconds
     * @param clock the verifier's clock: when an unsealed tail becomes overdue
     */
    public record Settings(Checkpoint.Cadence defaultCadence, Duration sealSlack, Duration timestampBound,
            Duration clockSkew, Clock clock) {
        /** Default {@link #sealSlack}: 10 minutes (1 s flush + 5 min TSA retries + landing lag, with margin). */
        public static final Duration DEFAULT_SEAL_SLACK = Duration.ofMinutes(10);
        /** Default {@link #timestampBound}: 10 minutes (1 s flush + 10 s TSA timeout + 5 min TSA retries, with
         *  margin). */
        public static final Duration DEFAULT_TIMESTAMP_BOUND = Duration.ofMinutes(10);
        /** Default {@link #clockSkew}: 1 second. */
        public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(1);

        /** Validates. */
        public Settings {
            requireNonNull(defaultCadence, "defaultCadence");
            requireNonNull(clock, "clock");
            for (Duration d : List.of(requireNonNull(sealSlack, "sealSlack"),
                    requireNonNull(timestampBound, "timestampBound"), requireNonNull(clockSkew, "clockSkew"))) {
                if (d.isNegative()) {
                    throw new IllegalArgumentException("durations must not be negative, got " + d);
                }
            }
        }

        /**
         * The documented defaults with the system clock.
         *
         * @return the settings
         */
        public static Settings defaults() {
            return new Settings(Checkpoint.Cadence.FORMAT_1_DEFAULT, DEFAULT_SEAL_SLACK, DEFAULT_TIMESTAMP_BOUND,
                    DEFAULT_CLOCK_SKEW, Clock.systemUTC());
        }

        /**
         * These settings with another clock.
         *
         * @param c the clock
         * @return the copy
         */
        public Settings withClock(Clock c) {
            return new Settings(defaultCadence, sealSlack, timestampBound, clockSkew, c);
        }
    }

    /**
     * A verifier.
     *
     * @param keys the trusted checkpoint keys
     * @param timestamps the TSA trust configuration; empty: tokens are counted as unchecked, not verified
     * @param schemaFingerprints fingerprints re-derived from stored schema text by schema id; a row whose
     *     schema id is here is hashed with this fingerprint, not its stored one
     * @return the verifier
     */
    public static ChainVerifier of(CheckpointVerifier keys, Optional<TimestampVerifier> timestamps,
            Map<Integer, Hash> schemaFingerprints) {
        return of(keys, timestamps, schemaFingerprints, Settings.defaults());
    }

    /**
     * A verifier with explicit coverage and time-binding settings.
     *
     * @param keys the trusted checkpoint keys
     * @param timestamps the TSA trust configuration; empty: tokens are counted as unchecked, not verified, and a
     *     missing token is no finding
     * @param schemaFingerprints fingerprints re-derived from stored schema text by schema id
     * @param settings cadence fallback, slack, bounds and clock
     * @return the verifier
     */
    public static ChainVerifier of(CheckpointVerifier keys, Optional<TimestampVerifier> timestamps,
            Map<Integer, Hash> schemaFingerprints, Settings settings) {
        requireNonNull(keys, "keys");
        requireNonNull(timestamps, "timestamps");
        requireNonNull(schemaFingerprints, "schemaFingerprints");
        requireNonNull(settings, "settings");
        return new ChainVerifier(keys, timestamps.orElse(null), schemaFingerprints, settings);
    }

    /**
     * Starts verifying one agent's log.
     *
     * @param log the agent's log
     * @param checkpoints every stored checkpoint of this log, in any order
     * @return the run to feed rows into
     */
    public AgentRun begin(LogId log, List<CheckpointRow> checkpoints) {
        return begin(log, checkpoints, Optional.empty());
    }

    /**
     * Starts verifying one whole log against the checkpoint an auditor remembers from an earlier run
     * ({@code --state}): the stored log must have a checkpoint at least as large
     * ({@link FindingKind#ROLLBACK} otherwise), and an RFC 9162 consistency proof, computed from the stored rows,
     * from the remembered checkpoint to the newest stored one must verify ({@link FindingKind#FORK} otherwise).
     *
     * @param log the agent's log
     * @param checkpoints every stored checkpoint of this log
     * @param remembered the remembered checkpoint (its note is verified with the trusted keys), if any
     * @return the run
     * @throws VerifierException when the remembered note does not verify with the trusted keys
     */
    public AgentRun begin(LogId log, List<CheckpointRow> checkpoints, Optional<CheckpointRow> remembered) {
        requireNonNull(log, "log");
        requireNonNull(checkpoints, "checkpoints");
        return begin(log, checkpoints, remembered, CheckpointChecks.inline(keys, timestamps));
    }

    /**
     * Starts the signature and timestamp checks of the given stored checkpoints on a thread of their own, log by
     * log in the map's order, ahead of the {@link #begin} calls that need them (they depend on nothing but the
     * rows and the trust configuration). Pass the result to {@link #begin(LogId, List, Optional, CheckpointChecks)}
     * or {@link #beginAt(LogState, List, boolean, CheckpointChecks)}; the findings are the same as without it.
     *
     * @param checkpoints the stored checkpoints by log, in the order the logs will be begun (copied)
     * @return the checks; close them when done
     */
    public CheckpointChecks checkAhead(Map<LogId, List<CheckpointRow>> checkpoints) {
        return CheckpointChecks.ahead(keys, timestamps, requireNonNull(checkpoints, "checkpoints"));
    }

    /**
     * As {@link #begin(LogId, List, Optional)}, taking the checkpoints' signature and timestamp checks from
     * {@code checks}.
     *
     * @param log the agent's log
     * @param checkpoints every stored checkpoint of this log
     * @param remembered the remembered checkpoint, if any
     * @param checks from {@link #checkAhead} of this verifier
     * @return the run
     */
    public AgentRun begin(LogId log, List<CheckpointRow> checkpoints, Optional<CheckpointRow> remembered,
            CheckpointChecks checks) {
        requireNonNull(log, "log");
        requireNonNull(checkpoints, "checkpoints");
        requireNonNull(remembered, "remembered");
        return new AgentStateMachine(log, checkpoints, mine(checks), fingerprints, MAX_ANOMALY_ROWS,
                LogState.empty(log), true, settings, remembered.orElse(null));
    }

    private CheckpointChecks mine(CheckpointChecks checks) {
        if (!requireNonNull(checks, "checks").trusts(keys, timestamps)) {
            throw new IllegalArgumentException("checkpoint checks of another verifier's trust configuration");
        }
        return checks;
    }

    /**
     * Starts verifying one agent's log from the middle (a time range): the rows fed start at
     * {@code start.size()}, linking to {@code start.head().hash()}, and the Merkle tree continues from
     * {@code start.tree()}. Checkpoints of sizes up to {@code start.size()} are not checked; the caller
     * vouches for the prefix (the verify command builds it from the stored hashes of the earlier rows, so a
     * prefix altered consistently still fails the first checkpoint inside the range).
     *
     * @param start the log state before the first row
     * @param checkpoints every stored checkpoint of this log
     * @param untilEnd whether rows up to the end of the log will be fed (then a larger checkpoint means a
     *     truncated tail)
     * @return the run
     */
    public AgentRun beginAt(LogState start, List<CheckpointRow> checkpoints, boolean untilEnd) {
        return beginAt(start, checkpoints, untilEnd, CheckpointChecks.inline(keys, timestamps));
    }

    /**
     * As {@link #beginAt(LogState, List, boolean)}, taking the checkpoints' signature and timestamp checks from
     * {@code checks}.
     *
     * @param start the log state before the first row
     * @param checkpoints every stored checkpoint of this log
     * @param untilEnd whether rows up to the end of the log will be fed
     * @param checks from {@link #checkAhead} of this verifier
     * @return the run
     */
    public AgentRun beginAt(LogState start, List<CheckpointRow> checkpoints, boolean untilEnd,
            CheckpointChecks checks) {
        requireNonNull(start, "start");
        requireNonNull(checkpoints, "checkpoints");
        LogId log = start.head().log();
        return new AgentStateMachine(log, checkpoints, mine(checks), fingerprints, MAX_ANOMALY_ROWS, start,
                untilEnd, settings, null);
    }

    /**
     * The coverage and time-binding settings, with the verifier's clock.
     *
     * @return the settings
     */
    public Settings settings() {
        return settings;
    }

    /** The verification of one agent in progress. */
    public interface AgentRun {
        /**
         * Feeds the next stored row.
         *
         * @param row a row of this run's log, seq not lower than the previous row's
         * @throws VerifierException when the row belongs to another log or comes out of seq order (a row
         *     source bug, not a finding)
         */
        void accept(EventRow row);

        /**
         * Ends the run: analyses anything pending, checks for a truncated tail.
         *
         * @return the result; the run MUST NOT be used afterwards
         */
        AgentResult finish();
    }
}
