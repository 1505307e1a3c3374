"""The client against the real gateway on the local stack (started by ingest's PythonClientIT, which then checks
that every event id written to ATTESTREAM_IT_EVENT_LOG was chained exactly once).

Needs ATTESTREAM_GATEWAY_URL, ATTESTREAM_API_KEY (scope: tenant acme, agents py-*) and ATTESTREAM_IT_EVENT_LOG;
without them these tests are skipped, or fail when CI=true.
"""
import datetime as dt
import os
import socket
import subprocess
import sys

import pytest

import attestream

URL = os.environ.get("ATTESTREAM_GATEWAY_URL")
KEY = os.environ.get("ATTESTREAM_API_KEY")
LOG = os.environ.get("ATTESTREAM_IT_EVENT_LOG")

if not (URL and KEY and LOG):
    reason = "no gateway: set ATTESTREAM_GATEWAY_URL, ATTESTREAM_API_KEY, ATTESTREAM_IT_EVENT_LOG (PythonClientIT does)"
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError(reason)
    pytest.skip(reason, allow_module_level=True)

DIGEST = bytes(range(32))
NOW = dt.datetime.now(dt.timezone.utc)


def expect_chained(ids):
    with open(LOG, "a") as f:
        for i in ids:
            f.write(i + "\n")


def window(version):
    return attestream.DriftWindow(version, NOW - dt.timedelta(hours=2), NOW - dt.timedelta(hours=1), 30, 1, 90)


def one_of_each(agent):
    payloads = [
        attestream.AgentAction("EXECUTE_TOOL", "DENIED", tool_name="refund_payment", model="gpt-x", provider="openai",
                               input_digest=DIGEST, output_digest=DIGEST.hex(), latency_micros=1500, input_tokens=12,
                               output_tokens=7, attributes={"gen_ai.tool.call.id": "call_1"}),
        attestream.EvalResult("safety", "refusal-17", "accuracy", 0.93, "MODEL", label="pass", evaluator="judge-1"),
        attestream.HumanOverride("alice", "BLOCK_TOOL", "refund above limit", ticket="OPS-1"),
        attestream.ApprovalDecision("req-1", "refund_payment", "bob", "APPROVED", "HIGH", shown_digest=DIGEST),
        attestream.PolicyChange("PROMPT", "prompt:refund", "v8", "carol", from_version="v7", diff_digest=DIGEST,
                                effective_at=NOW),
        attestream.IncidentRecord("INC-9", "HIGH", "CONTAINED", "tool misuse", status_from="TRIAGED",
                                  related_event_ids=["e1"]),
        attestream.RiskDecision("R-3", "MITIGATE", "rate limit", "dana", linked_change_id="prompt:refund"),
        attestream.DriftAlert("ep-1", "acme", agent, "safety", "accuracy", "PREVIOUS_WINDOW", "welch-t", 3.2, 0.8,
                              0.5, 0.01, 2, "WARNING", False, window("1.0"), window("1.0"), p_value=0.001,
                              tests=[attestream.DriftTestResult("ks", 0.4, 0.4, True, p_value=0.01)]),
        attestream.DriftRecovered("ep-1", "acme", agent, "safety", "accuracy", "PREVIOUS_WINDOW", window("1.0"),
                                  window("1.0"), 3),
        attestream.BaselinePinned("safety", "1.0", "erin", metric="accuracy", reason="CHG-2"),
        attestream.ErasureRecord(DIGEST, ["key-1"], "dpo@acme", "DSR-7", legal_basis="GDPR Art. 17(1)(a)",
                                 affected_agents=[agent], key_store="file"),
        attestream.LegalHold("HOLD-py-1", "PLACED", "acme", "counsel@acme", "case 12", agent_id=agent,
                             period_start=NOW, period_end=NOW, reference="CASE-12"),
    ]
    return [attestream.Event("acme", agent, "1.0", p, trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
                             span_id="00f067aa0ba902b7", session_id="conv-1") for p in payloads]


def test_every_typed_helper_is_accepted_by_the_gateway(tmp_path):
    rejected = []
    with attestream.Client(URL, KEY, spool_path=str(tmp_path / "spool"),
                           on_rejected=lambda *r: rejected.append(r)) as c:
        ids = c.send_many(one_of_each("py-types"))
        assert c.flush(60)
    assert rejected == []
    assert c.stats["accepted"] == len(attestream.PAYLOAD_TYPES)
    expect_chained(ids)


def test_batches_go_in_few_requests():
    with attestream.Client(URL, KEY, batch_size=500, linger=0.5) as c:
        events = [attestream.Event("acme", "py-batch-%d" % (i % 4), "1.0",
                                   attestream.EvalResult("s", "e%d" % i, "m", i / 1200, "RULE")) for i in range(1200)]
        ids = c.send_many(events)
        assert c.flush(120)
    assert c.stats["accepted"] == 1200
    assert c.stats["requests"] <= 4
    expect_chained(ids)


def test_a_retry_with_the_same_event_id_is_accepted_and_chained_once():
    event = attestream.Event("acme", "py-retry", "1.0", attestream.HumanOverride("op", "HALT", "retry test"))
    with attestream.Client(URL, KEY, linger=0) as c:
        c.send(event)
        assert c.flush(60)
        c.send(event)  # e.g. the first answer was lost: same eventId again
        assert c.flush(60)
    assert c.stats["accepted"] == 2
    expect_chained([event.event_id])


def test_invalid_and_out_of_scope_events_are_rejected_with_reasons_and_the_rest_is_sent():
    rejected = []
    good = [attestream.Event("acme", "py-mixed", "1.0", attestream.EvalResult("s", "e", "m", 0.5, "RULE"))
            for _ in range(3)]
    bad = attestream.Event("acme", "py-mixed", "1.0", attestream.EvalResult("s", "e", "m", 0.5, "RULE"),
                           trace_id="not-a-trace-id")
    other = attestream.Event("acme", "not-python", "1.0", attestream.EvalResult("s", "e", "m", 0.5, "RULE"))
    with attestream.Client(URL, KEY, linger=0.2, on_rejected=lambda e, s, errs: rejected.append((e, s, errs))) as c:
        c.send_many([good[0], bad, good[1], other, good[2]])
        assert c.flush(60)
    by_id = {e["eventId"]: (s, errs) for e, s, errs in rejected}
    assert by_id[bad.event_id][0] == 400
    assert by_id[bad.event_id][1][0]["path"] == "traceId"
    assert by_id[other.event_id][0] == 403
    assert c.stats["accepted"] == 3
    expect_chained([e.event_id for e in good])


def test_events_spooled_before_a_crash_reach_the_gateway_from_the_next_process(tmp_path):
    spool = str(tmp_path / "spool")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = "http://127.0.0.1:%d" % s.getsockname()[1]
    child = subprocess.run([sys.executable, "-c", CRASHING, spool, dead, KEY], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..")))
    assert child.returncode == 17, child.stderr
    ids = child.stdout.split()
    assert len(ids) == 10
    with attestream.Client(URL, KEY, spool_path=spool) as c:
        assert c.flush(60)
    assert c.stats["accepted"] == 10
    assert attestream.Spool(spool).pending() == []
    expect_chained(ids)


CRASHING = r"""
import os, sys
import attestream
spool, url, key = sys.argv[1:4]
c = attestream.Client(url, key, spool_path=spool, linger=0, max_backoff=0.2)
ids = c.send_many([attestream.Event("acme", "py-crash", "1.0", attestream.EvalResult("s", "e%d" % i, "m", 0.1, "RULE"))
                   for i in range(10)])
print(" ".join(ids), flush=True)
os._exit(17)
"""
