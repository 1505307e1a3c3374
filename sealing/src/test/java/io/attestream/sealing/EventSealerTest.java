package io.attestream.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.SealAlgorithm;
import io.attestream.events.SealedField;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventSealerTest {
    @TempDir
    Path dir;

    private static final List<FieldPath> PERSONAL = FieldPath.parseAll(
            List.of("payload.inlinePayload", "payload.attributes.user_prompt", "sessionId"));

    private static AuditEvent promptEvent(int n) {
        AuditEvent e = SampleEvents.of(EventType.AGENT_ACTION, "acme", "refund-bot", n);
        AgentAction a = (AgentAction) e.getPayload();
        Map<String, String> attrs = new HashMap<>(a.getAttributes());
        attrs.put("user_prompt", "Please refund order 7781 to Anna M\u00fcller");
        a.setAttributes(attrs);
        a.setInlinePayload("{\"customer\":\"Anna M\u00fcller\",\"iban\":\"DE02...\"}");
        e.setSessionId("conv-" + n);
        return e;
    }

    @Test
    void sealedEventHoldsNoCleartextAndOpensBackToTheOriginal() throws Exception {
        FileKeyStore keys = new FileKeyStore(dir, LocalMasterKey.of(new byte[32]), Duration.ZERO);
        EventSealer sealer = new EventSealer(keys, PERSONAL);
        AuditEvent original = promptEvent(1);
        AuditEvent sealed = sealer.seal(original, "anna@example.com");

        AgentAction p = (AgentAction) sealed.getPayload();
        assertThat(p.getInlinePayload()).isNull();
        assertThat(p.getAttributes()).doesNotContainKey("user_prompt").containsEntry("region", "eu-west-1");
        assertThat(sealed.getSessionId()).isNull();
        assertThat(sealed.getSealed()).extracting(SealedField::getField)
                .containsExactly("payload.inlinePayload", "payload.attributes.user_prompt", "sessionId");
        assertThat(sealed.getSealed()).allSatisfy(s -> {
            assertThat(s.getAlgorithm()).isEqualTo(SealAlgorithm.AES_256_GCM_V1);
            assertThat(s.getNonce().remaining()).isEqualTo(12);
        });
        byte[] wire = AuditEventCodec.encodeBody(sealed);
        String asText = new String(wire, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(asText).doesNotContain("M\u00fcller").doesNotContain("Anna").doesNotContain("anna@example.com")
                .doesNotContain("conv-1");
        assertThat(((AgentAction) original.getPayload()).getInlinePayload()).as("input not modified").isNotNull();

        EventOpener.Opened opened = new EventOpener(keys).open(decode(wire));
        assertThat(opened.fields()).extracting(EventOpener.FieldResult::status)
                .containsOnly(EventOpener.Status.OPENED);
        AuditEvent back = opened.event();
        back.setSealed(List.of());
        assertThat(back).isEqualTo(original);
    }

    @Test
    void anEventWithoutPersonalContentIsUntouchedAndPersonalContentWithoutSubjectIsRefused() throws Exception {
        FileKeyStore keys = new FileKeyStore(dir, LocalMasterKey.of(new byte[32]), Duration.ZERO);
        EventSealer sealer = new EventSealer(keys, PERSONAL);
        AuditEvent plain = SampleEvents.of(EventType.EVAL_RESULT, "acme", "bot", 3);
        assertThat(sealer.seal(plain, null)).isSameAs(plain);
        assertThatThrownBy(() -> sealer.seal(promptEvent(2), null)).isInstanceOf(SealingException.class)
                .hasMessageContaining("[payload.inlinePayload, payload.attributes.user_prompt, sessionId]")
                .hasMessageContaining("names no subject");
        assertThat(keys.keyFiles()).isEmpty();
    }

    @Test
    void aSealedFieldCopiedIntoAnotherEventOrFieldDoesNotOpenAndAfterErasureNothingOpens() throws Exception {
        FileKeyStore keys = new FileKeyStore(dir, LocalMasterKey.of(new byte[32]), Duration.ZERO);
        EventSealer sealer = new EventSealer(keys, PERSONAL);
        AuditEvent a = sealer.seal(promptEvent(1), "anna@example.com");
        AuditEvent b = sealer.seal(promptEvent(2), "anna@example.com");
        AuditEvent forged = AuditEvent.newBuilder(b).setSealed(List.of(a.getSealed().get(0))).build();
        assertThat(new EventOpener(keys).open(forged).fields()).extracting(EventOpener.FieldResult::status)
                .containsExactly(EventOpener.Status.DOES_NOT_OPEN);
        SealedField renamed = SealedField.newBuilder(a.getSealed().get(1)).setField("payload.inlinePayload").build();
        AuditEvent moved = AuditEvent.newBuilder(a).setSealed(List.of(renamed)).build();
        assertThat(new EventOpener(keys).open(moved).fields()).extracting(EventOpener.FieldResult::status)
                .containsExactly(EventOpener.Status.DOES_NOT_OPEN);
        AuditEvent otherAgent = AuditEvent.newBuilder(a).setAgentId("other-bot").build();
        assertThat(new EventOpener(keys).open(otherAgent).fields()).extracting(EventOpener.FieldResult::status)
                .containsOnly(EventOpener.Status.DOES_NOT_OPEN);

        keys.destroy("acme", keys.subjectDigest("acme", "anna@example.com"));
        EventOpener.Opened after = new EventOpener(new FileKeyStore(dir, LocalMasterKey.of(new byte[32]),
                Duration.ZERO)).open(a);
        assertThat(after.fields()).extracting(EventOpener.FieldResult::status).containsOnly(EventOpener.Status.ERASED);
        assertThat(((AgentAction) after.event().getPayload()).getInlinePayload()).isNull();
    }

    @Test
    void onlyNullableStringsAndStringMapEntriesCanBeMarkedPersonal() {
        assertThat(FieldPath.parse("payload.evaluator").payload()).isTrue();
        // ApprovalDecision.reason is nullable but HumanOverride.reason is not: refused, never half-sealed
        assertThatThrownBy(() -> FieldPath.parse("payload.reason")).hasMessageContaining("HumanOverride.reason");
        assertThat(FieldPath.parse("payload.attributes.k.with.dots").mapKey()).isEqualTo("k.with.dots");
        assertThatThrownBy(() -> FieldPath.parse("payload.summary")).hasMessageContaining("IncidentRecord.summary is "
                + "not a nullable string");
        assertThatThrownBy(() -> FieldPath.parse("payload.nope")).hasMessageContaining("no payload type has a field nope");
        assertThatThrownBy(() -> FieldPath.parse("tenant")).hasMessageContaining("not a nullable string field");
        assertThatThrownBy(() -> FieldPath.parse("payload.inlinePayload.x")).hasMessageContaining("not a map of strings");
        assertThatThrownBy(() -> FieldPath.parseAll(List.of("sessionId", "sessionId"))).hasMessageContaining("twice");
    }

    private static AuditEvent decode(byte[] body) throws java.io.IOException {
        return new org.apache.avro.specific.SpecificDatumReader<>(AuditEvent.class)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(body, null));
    }
}
