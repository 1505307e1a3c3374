package io.attestream.witness;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.SignedCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client of one C2SP tlog-witness ({@code add-checkpoint}), which checks that the witness's answer is a
 * valid cosignature by the key it is configured with. Thread-safe; keeps connections alive.
 */
public final class WitnessClient {
    private final URI addCheckpoint;
    private final CosignerKey witnessKey;
    private final CosignatureVerifier verifier;
    private final Duration timeout;
    private final HttpClient http;

    /** The answer of a witness. */
    public sealed interface Result permits Cosigned, Conflict, Refused {
    }

    /**
     * 200: the witness cosigned.
     *
     * @param cosignature its verified cosignature
     */
    public record Cosigned(Cosignature cosignature) implements Result {
    }

    /**
     * 409: the witness last cosigned another size; resubmit with a proof from it.
     *
     * @param size the size it knows
     */
    public record Conflict(long size) implements Result {
    }

    /**
     * Any other status: the witness refuses this checkpoint (400, 403, 404, 422) or failed (5xx).
     *
     * @param status the HTTP status
     * @param reason the response body
     */
    public record Refused(int status, String reason) implements Result {
        /**
         * Whether retrying the same request later can succeed.
         *
         * @return true for 5xx and 429
         */
        public boolean retriable() {
            return status >= 500 || status == 429;
        }
    }

    /**
     * A client.
     *
     * @param prefix the witness's submission prefix, e.g. {@code http://127.0.0.1:8380/}
     * @param witnessKey the key its cosignatures must verify with
     * @param timeout connect and request timeout
     */
    public WitnessClient(URI prefix, CosignerKey witnessKey, Duration timeout) {
        requireNonNull(prefix, "prefix");
        this.witnessKey = requireNonNull(witnessKey, "witnessKey");
        this.timeout = requireNonNull(timeout, "timeout");
        String p = prefix.toString();
        this.addCheckpoint = URI.create((p.endsWith("/") ? p : p + "/") + "add-checkpoint");
        this.verifier = CosignatureVerifier.of(List.of(witnessKey));
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * Submits a checkpoint.
     *
     * @param request old size, proof and note
     * @return the witness's answer
     * @throws WitnessUnavailableException when the witness cannot be reached or times out (retry later)
     * @throws WitnessException when a 200 does not carry a valid cosignature by the configured key
     */
    public Result add(AddCheckpointRequest request) {
        requireNonNull(request, "request");
        HttpRequest req = HttpRequest.newBuilder(addCheckpoint).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.toBytes())).build();
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new WitnessUnavailableException("witness " + witnessKey.name() + " at " + addCheckpoint
                    + " is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WitnessUnavailableException("interrupted while calling witness " + witnessKey.name(), e);
        }
        String body = resp.body();
        switch (resp.statusCode()) {
            case 200:
                return new Cosigned(cosignature(request, body));
            case 409:
                try {
                    return new Conflict(Long.parseLong(body.strip()));
                } catch (NumberFormatException e) {
                    throw new WitnessException("witness " + witnessKey.name() + " answered 409 without a size: '"
                            + body + "'", e);
                }
            default:
                return new Refused(resp.statusCode(), body.strip());
        }
    }

    private Cosignature cosignature(AddCheckpointRequest request, String body) {
        Checkpoint c = SignedCheckpoint.parse(request.note()).checkpoint();
        try {
            if (!body.endsWith("\n")) {
                throw new IntegrityException("response does not end with a newline");
            }
            List<NoteSignature> lines = new ArrayList<>();
            for (String line : body.substring(0, body.length() - 1).split("\n", -1)) {
                lines.add(NoteSignature.parse(line, "the response of witness " + witnessKey.name()));
            }
            List<Cosignature> ok = verifier.verify(c, lines);
            if (ok.isEmpty()) {
                throw new IntegrityException("no cosignature by " + witnessKey.name() + " (key id "
                        + String.format("%08x", witnessKey.keyId()) + ") in the response");
            }
            return ok.get(0);
        } catch (IntegrityException e) {
            throw new WitnessException("witness " + witnessKey.name() + " answered 200 for " + c.origin() + " at size "
                    + c.treeSize() + " without a valid cosignature: " + e.getMessage(), e);
        }
    }

    /**
     * The witness key this client checks answers with.
     *
     * @return the key
     */
    public CosignerKey witnessKey() {
        return witnessKey;
    }
}
