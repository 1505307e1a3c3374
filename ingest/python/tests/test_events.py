import dataclasses
import datetime as dt
import json
import os

import pytest

import attestream
from attestream import events
from conftest import RELEASED


def latest_released_schema():
    with open(os.path.join(RELEASED, "index.txt")) as f:
        versions = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with open(os.path.join(RELEASED, "AuditEvent-%s.avsc" % versions[-1])) as f:
        return json.load(f)


def records(schema, out):
    if isinstance(schema, list):
        for s in schema:
            records(s, out)
    elif isinstance(schema, dict):
        if schema.get("type") == "record":
            out.setdefault(schema["name"], schema)
            for f in schema["fields"]:
                records(f["type"], out)
        elif schema.get("type") in ("array", "map"):
            records(schema.get("items") or schema.get("values"), out)
    return out


def test_every_payload_type_of_the_latest_release_has_a_typed_helper_with_the_same_fields():
    schema = latest_released_schema()
    union = next(f for f in schema["fields"] if f["name"] == "payload")["type"]
    assert [r["name"] for r in union] == [t.__name__ for t in attestream.PAYLOAD_TYPES]
    known = records(schema, {})
    helpers = {t.__name__: t for t in attestream.PAYLOAD_TYPES + (attestream.DriftWindow, attestream.DriftTestResult)}
    for name, helper in helpers.items():
        schema_fields = {f["name"]: f for f in known[name]["fields"]}
        helper_fields = {events._camel(f.name): f for f in dataclasses.fields(helper)}
        assert set(helper_fields) == set(schema_fields), name
        for field_name, f in schema_fields.items():
            optional_in_schema = "default" in f
            optional_in_helper = helper_fields[field_name].default is not dataclasses.MISSING
            assert optional_in_helper == optional_in_schema, "%s.%s" % (name, field_name)


def test_envelope_json_has_the_gateway_shape_and_keeps_the_event_id():
    at = dt.datetime(2026, 11, 1, 9, 0, 0, 123456, tzinfo=dt.timezone.utc)
    e = attestream.Event("acme", "refund-bot", "1.4.2", attestream.AgentAction(
        operation="EXECUTE_TOOL", status="DENIED", tool_name="refund_payment", input_digest=b"\x01" * 32,
        latency_micros=1200, attributes={"k": "v"}), occurred_at=at, trace_id="4bf92f3577b34da6a3ce929d0e0e4736")
    j = e.to_json()
    assert j["occurredAt"] == 1793523600123456
    assert j["payload"] == {"AgentAction": {"operation": "EXECUTE_TOOL", "status": "DENIED",
                                            "toolName": "refund_payment", "inputDigest": "01" * 32,
                                            "latencyMicros": 1200, "attributes": {"k": "v"}}}
    assert j["recordedBy"]["sdk"] == "attestream-python"
    assert j["traceId"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert e.to_json()["eventId"] == j["eventId"]


def test_digests_and_times_are_checked_before_sending():
    with pytest.raises(ValueError):
        attestream.digest_hex(b"short")
    with pytest.raises(ValueError):
        attestream.digest_hex("xyz")
    assert attestream.digest_hex("AB" * 32) == "ab" * 32
    with pytest.raises(ValueError):
        attestream.micros(dt.datetime(2026, 1, 1))
    assert attestream.micros(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.timezone.utc)) == 1_000_000
