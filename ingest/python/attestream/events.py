"""Typed helpers for every payload type of the AuditEvent schema (release v3), and the envelope.

Attribute names are the schema's field names in snake_case (``input_digest`` is ``inputDigest``); ``None``
means "not set" and is left out of the JSON, which the gateway reads as null or the field's default.
Digests (``Sha256``) take 32 raw bytes or 64 hex characters; times take an aware ``datetime`` or integer
microseconds since the epoch. The JSON shape is docs/http-api.md's; the schema is docs/events.md's.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

SDK_NAME = "attestream-python"
SDK_VERSION = "0.1.0"

Digest = Union[bytes, str]
Time = Union[_dt.datetime, int]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def digest_hex(value: Digest) -> str:
    """A SHA-256 digest as the gateway's JSON wants it: 64 lowercase hex characters."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise ValueError("a SHA-256 digest is 32 bytes, got %d" % len(value))
        return bytes(value).hex()
    text = str(value).lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError("a SHA-256 digest is 64 hex characters, got %r" % value)
    return text


def micros(value: Time) -> int:
    """Integer microseconds since the epoch of an aware datetime (naive ones are refused) or an int."""
    if isinstance(value, bool):
        raise TypeError("a time is a datetime or integer microseconds, not a bool")
    if isinstance(value, int):
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime %r: give a timezone (e.g. datetime.timezone.utc)" % value)
    delta = value - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class _Record:
    """JSON of a dataclass record: camelCase keys, None left out, digests as hex, times as microseconds."""

    _digests: tuple = ()
    _times: tuple = ()

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in self._digests:
                value = digest_hex(value)
            elif f.name in self._times:
                value = micros(value)
            out[_camel(f.name)] = _json(value)
        return out


def _json(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_json()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


class Payload(_Record):
    """One branch of the payload union; the JSON is ``{"<TypeName>": {...}}``."""

    def union_json(self) -> Dict[str, Any]:
        return {type(self).__name__: self.to_json()}


@dataclass
class AgentAction(Payload):
    operation: str  # INVOKE_AGENT, CREATE_AGENT, EXECUTE_TOOL, CHAT, TEXT_COMPLETION, ..., OTHER
    status: str  # OK, ERROR, TIMEOUT, CANCELLED, DENIED, UNKNOWN
    tool_name: Optional[str] = None
    model: Optional[str] = None
    provider: Optional[str] = None
    input_digest: Optional[Digest] = None
    output_digest: Optional[Digest] = None
    inline_payload: Optional[str] = None
    error_type: Optional[str] = None
    latency_micros: Optional[int] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    attributes: Optional[Dict[str, str]] = None
    _digests = ("input_digest", "output_digest")


@dataclass
class EvalResult(Payload):
    suite: str
    eval_name: str
    metric: str
    value: float
    evaluator_kind: str  # HUMAN, MODEL, RULE, UNKNOWN
    label: Optional[str] = None
    dataset_version: Optional[str] = None
    evaluator: Optional[str] = None
    explanation: Optional[str] = None  # since schema v3
    response_id: Optional[str] = None  # since schema v3


@dataclass
class HumanOverride(Payload):
    operator: str
    action: str  # HALT, ROLLBACK, EDIT_OUTPUT, BLOCK_TOOL, TAKE_OVER, RESUME, OTHER
    reason: str
    target_event_id: Optional[str] = None
    ticket: Optional[str] = None


@dataclass
class ApprovalDecision(Payload):
    request_id: str
    requested_action: str
    approver: str
    decision: str  # APPROVED, REJECTED, ESCALATED, EXPIRED, UNKNOWN
    risk_tier: str  # LOW, MEDIUM, HIGH, CRITICAL, UNKNOWN
    reason: Optional[str] = None
    shown_digest: Optional[Digest] = None
    _digests = ("shown_digest",)


@dataclass
class PolicyChange(Payload):
    kind: str  # POLICY, PROMPT, TOOL_PERMISSION, MODEL, CONFIG, RETRIEVAL_CORPUS, OTHER
    object_id: str
    to_version: str
    author: str
    from_version: Optional[str] = None
    diff_digest: Optional[Digest] = None
    approver: Optional[str] = None
    change_ticket: Optional[str] = None
    effective_at: Optional[Time] = None
    _digests = ("diff_digest",)
    _times = ("effective_at",)


@dataclass
class IncidentRecord(Payload):
    incident_id: str
    severity: str  # CRITICAL, HIGH, MEDIUM, LOW, INFO, UNKNOWN
    status_to: str  # DETECTED, TRIAGED, CONTAINED, ERADICATED, RECOVERED, CLOSED, REOPENED, UNKNOWN
    summary: str
    status_from: Optional[str] = None
    related_event_ids: Optional[List[str]] = None


@dataclass
class RiskDecision(Payload):
    risk_id: str
    treatment: str  # ACCEPT, MITIGATE, TRANSFER, AVOID, UNKNOWN
    rationale: str
    owner: str
    linked_change_id: Optional[str] = None


@dataclass
class DriftWindow(_Record):
    agent_version: str
    start: Time
    end: Time
    count: int
    first_seq: int
    last_seq: int
    _times = ("start", "end")


@dataclass
class DriftTestResult(_Record):
    test: str
    statistic: float
    effect_size: float
    significant: bool
    p_value: Optional[float] = None
    threshold: Optional[float] = None


@dataclass
class DriftAlert(Payload):
    """Written by the drift detector; here so that replays and tests can build one."""

    episode_id: str
    tenant: str
    agent_id: str
    suite: str
    metric: str
    reference_kind: str  # PREVIOUS_WINDOW, PINNED_BASELINE, PREVIOUS_VERSION, UNKNOWN
    test: str
    statistic: float
    effect_size: float
    effect_floor: float
    alpha: float
    family_size: int
    severity: str  # WARNING, CRITICAL, UNKNOWN
    early: bool
    current: DriftWindow
    reference: DriftWindow
    p_value: Optional[float] = None
    tests: Optional[List[DriftTestResult]] = None


@dataclass
class DriftRecovered(Payload):
    """Written by the drift detector."""

    episode_id: str
    tenant: str
    agent_id: str
    suite: str
    metric: str
    reference_kind: str
    current: DriftWindow
    reference: DriftWindow
    windows_in_episode: int


@dataclass
class BaselinePinned(Payload):
    suite: str
    baseline_agent_version: str
    pinned_by: str
    metric: Optional[str] = None
    reason: Optional[str] = None


@dataclass
class ErasureRecord(Payload):
    """Written by ``attestream erase`` (docs/privacy.md); listed here so every payload type has a helper."""

    subject_digest: Digest
    key_ids: List[str]
    requested_by: str
    reason: str
    legal_basis: Optional[str] = None
    affected_agents: Optional[List[str]] = None
    key_store: Optional[str] = None
    _digests = ("subject_digest",)


@dataclass
class LegalHold(Payload):
    hold_id: str
    action: str  # PLACED, LIFTED, UNKNOWN
    tenant: str
    by: str
    reason: str
    agent_id: Optional[str] = None  # None: every agent of the tenant
    period_start: Optional[Time] = None
    period_end: Optional[Time] = None
    reference: Optional[str] = None
    _times = ("period_start", "period_end")


PAYLOAD_TYPES = (AgentAction, EvalResult, HumanOverride, ApprovalDecision, PolicyChange, IncidentRecord,
                 RiskDecision, DriftAlert, DriftRecovered, BaselinePinned, ErasureRecord, LegalHold)


@dataclass
class Event:
    """The AuditEvent envelope. ``event_id`` is the idempotency key: the client keeps it across retries."""

    tenant: str
    agent_id: str
    agent_version: str
    payload: Payload
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: Time = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    trace_id: Optional[str] = None
    span_id: Optional[str] = None
    session_id: Optional[str] = None
    controls: Optional[List[str]] = None
    recorded_by_host: str = field(default_factory=socket.gethostname)

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "eventId": self.event_id,
            "tenant": self.tenant,
            "agentId": self.agent_id,
            "agentVersion": self.agent_version,
            "occurredAt": micros(self.occurred_at),
            "recordedBy": {"host": self.recorded_by_host, "sdk": SDK_NAME, "sdkVersion": SDK_VERSION},
            "payload": self.payload.union_json(),
        }
        for name in ("trace_id", "span_id", "session_id", "controls"):
            value = getattr(self, name)
            if value is not None:
                out[_camel(name)] = value
        return out
