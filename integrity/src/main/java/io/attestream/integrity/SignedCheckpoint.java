package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A checkpoint as a C2SP signed note: the {@link Checkpoint#body()}, one blank line, then one
 * signature line per signer ({@code — <name> <base64(keyId || sig)>\n}). The signature covers the
 * body's UTF-8 bytes exactly.
 *
 * <p>An instance built by {@link #parse} is only a parsed structure: nothing is verified until a
 * {@link CheckpointVerifier} checks it. Immutable.
 */
public final class SignedCheckpoint {
    /** Signature lines start with an em dash (U+2014) and a space. */
    public static final String SIGNATURE_PREFIX = "\u2014 ";
    /** Upper bound on signature lines, as in Go's note package. */
    public static final int MAX_SIGNATURES = 100;

    private final Checkpoint checkpoint;
    private final List<NoteSignature> signatures;
    private final String text;

    private SignedCheckpoint(Checkpoint checkpoint, List<NoteSignature> signatures) {
        this.checkpoint = checkpoint;
        this.signatures = List.copyOf(signatures);
        StringBuilder sb = new StringBuilder(checkpoint.body()).append('\n');
        for (NoteSignature s : this.signatures) {
            sb.append(s.line()).append('\n');
        }
        this.text = sb.toString();
    }

    /**
     * Signs a checkpoint with one or more keys (several during a key rotation).
     *
     * @param checkpoint the checkpoint
     * @param keys the signers, at least one, distinct names
     * @return the signed note
     */
    public static SignedCheckpoint sign(Checkpoint checkpoint, List<SigningKey> keys) {
        requireNonNull(checkpoint, "checkpoint");
        requireNonNull(keys, "keys");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one signing key is needed to sign " + checkpoint.origin());
        }
        byte[] body = checkpoint.bodyBytes();
        List<NoteSignature> sigs = new ArrayList<>(keys.size());
        Set<String> names = new HashSet<>();
        for (SigningKey k : keys) {
            if (!names.add(k.name())) {
                throw new IllegalArgumentException("two signing keys named " + k.name());
            }
            sigs.add(new NoteSignature(k.name(), k.verifierKey().keyId(), k.sign(body)));
        }
        return new SignedCheckpoint(checkpoint, sigs);
    }

    /**
     * Signs a checkpoint with one key.
     *
     * @param checkpoint the checkpoint
     * @param key the signer
     * @return the signed note
     */
    public static SignedCheckpoint sign(Checkpoint checkpoint, SigningKey key) {
        return sign(checkpoint, List.of(requireNonNull(key, "key")));
    }

    /**
     * Parses a signed note strictly (canonical checkpoint body, at least one well-formed signature
     * line, no duplicate signer). Verifies nothing.
     *
     * @param note the full text
     * @return the parsed note; {@code parse(t).text().equals(t)}
     * @throws MalformedDataException when the text is not a canonical signed checkpoint
     */
    public static SignedCheckpoint parse(String note) {
        requireNonNull(note, "note");
        int split = note.lastIndexOf("\n\n");
        if (split < 0) {
            throw new MalformedDataException("signed note has no blank line before its signatures");
        }
        Checkpoint c = Checkpoint.parse(note.substring(0, split + 1));
        String block = note.substring(split + 2);
        if (block.isEmpty() || !block.endsWith("\n")) {
            throw new MalformedDataException("signed note of " + c.origin()
                    + " has no signature lines, or they do not end with a newline");
        }
        String[] lines = block.substring(0, block.length() - 1).split("\n", -1);
        if (lines.length > MAX_SIGNATURES) {
            throw new MalformedDataException("signed note of " + c.origin() + " has " + lines.length
                    + " signatures, more than " + MAX_SIGNATURES);
        }
        List<NoteSignature> sigs = new ArrayList<>(lines.length);
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            NoteSignature s = NoteSignature.parse(line, c.origin());
            if (!seen.add(s.keyName() + "+" + VerifierKey.hexId(s.keyId()))) {
                throw new MalformedDataException("signed note of " + c.origin() + " has two signatures by "
                        + s.keyName());
            }
            sigs.add(s);
        }
        SignedCheckpoint sc = new SignedCheckpoint(c, sigs);
        if (!sc.text.equals(note)) {
            throw new MalformedDataException("signed note of " + c.origin() + " is not canonical");
        }
        return sc;
    }

    /**
     * This note with more signature lines appended, e.g. cosignatures a witness returned
     * (docs/integrity.md §6). The lines MUST have been verified by the caller if they are to be
     * trusted; this only assembles the text.
     *
     * @param more the lines to append, none by a (name, key id) already present
     * @return the new note
     * @throws MalformedDataException when a signer would appear twice or there would be too many lines
     */
    public SignedCheckpoint withSignatures(List<NoteSignature> more) {
        requireNonNull(more, "more");
        List<NoteSignature> all = new ArrayList<>(signatures);
        all.addAll(more);
        return of(checkpoint, all);
    }

    /**
     * Assembles a note from a checkpoint and signature lines, with the checks of {@link #parse} (at least
     * one line, at most {@link #MAX_SIGNATURES}, no (name, key id) twice). Verifies nothing.
     *
     * @param checkpoint the checkpoint
     * @param signatures the lines in order
     * @return the note
     * @throws MalformedDataException when the lines break those rules
     */
    public static SignedCheckpoint of(Checkpoint checkpoint, List<NoteSignature> signatures) {
        requireNonNull(checkpoint, "checkpoint");
        requireNonNull(signatures, "signatures");
        if (signatures.isEmpty()) {
            throw new MalformedDataException("signed note of " + checkpoint.origin() + " needs a signature line");
        }
        if (signatures.size() > MAX_SIGNATURES) {
            throw new MalformedDataException("signed note of " + checkpoint.origin() + " would have "
                    + signatures.size() + " signatures, more than " + MAX_SIGNATURES);
        }
        Set<String> seen = new HashSet<>();
        for (NoteSignature s : signatures) {
            requireNonNull(s, "signature");
            if (!seen.add(s.keyName() + "+" + VerifierKey.hexId(s.keyId()))) {
                throw new MalformedDataException("signed note of " + checkpoint.origin() + " has two signatures by "
                        + s.keyName() + " (key id " + VerifierKey.hexId(s.keyId()) + ")");
            }
        }
        return new SignedCheckpoint(checkpoint, signatures);
    }

    /**
     * The checkpoint (not verified unless this came from {@link CheckpointVerifier}).
     *
     * @return the checkpoint
     */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /**
     * The signature lines in order.
     *
     * @return unmodifiable list
     */
    public List<NoteSignature> signatures() {
        return signatures;
    }

    /**
     * The full signed-note text.
     *
     * @return body, blank line, signature lines
     */
    public String text() {
        return text;
    }

    /**
     * SHA-256 of {@link #text()} as UTF-8: the leaf data of RFC 3161 timestamp batches.
     *
     * @return the note hash
     */
    public Hash noteHash() {
        return Hash.sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedCheckpoint && ((SignedCheckpoint) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
