"""The client against a scripted stand-in of the gateway: back-pressure, partial answers, rejections, the spool.

The stand-in answers exactly what docs/http-api.md says the gateway answers; test_gateway.py runs the same client
against the real gateway.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import attestream


class Scripted:
    """An HTTP server whose answers are popped from a list of (status, headers, body-function)."""

    def __init__(self, answers, port=0):
        self.answers = list(answers)
        self.requests = []  # (time, content type, list of event dicts)
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                events = [json.loads(l) for l in body.decode("utf-8").splitlines() if l.strip()]
                scripted.requests.append((time.monotonic(), self.headers["Content-Type"], events))
                status, headers, make = scripted.answers.pop(0) if scripted.answers else (202, {}, accept_all)
                data = json.dumps(make(events)).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def ids(self, i):
        return [e["eventId"] for e in self.requests[i][2]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def accept_all(events):
    return {"accepted": len(events), "events": [{"index": i, "status": 202, "eventId": e["eventId"],
                                                 "topic": "attestream.events", "partition": 0, "offset": i}
                                                for i, e in enumerate(events)]}


def eval_event(n, agent="bot"):
    return attestream.Event("acme", agent, "1.0", attestream.EvalResult("s", "e%d" % n, "m", n / 10, "RULE"))


@pytest.fixture
def scripted():
    servers = []

    def make(answers=(), port=0):
        s = Scripted(answers, port)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.close()


def test_batches_as_ndjson_and_acknowledges_every_event(scripted, tmp_path):
    gw = scripted()
    with attestream.Client(gw.url, "k", spool_path=str(tmp_path / "spool"), batch_size=50, linger=0.2) as c:
        ids = c.send_many([eval_event(i) for i in range(120)])
        assert c.flush(10)
    assert [len(r[2]) for r in gw.requests] == [50, 50, 20]
    assert all(r[1] == "application/x-ndjson" for r in gw.requests)
    assert sum((gw.ids(i) for i in range(3)), []) == ids
    assert c.stats["accepted"] == 120
    assert attestream.Spool(str(tmp_path / "spool")).pending() == []


def test_429_waits_retry_after_and_resends_the_same_event_ids(scripted):
    gw = scripted([(429, {"Retry-After": "1"}, lambda ev: {"error": "too many events waiting for Kafka"})])
    with attestream.Client(gw.url, "k", linger=0) as c:
        ids = c.send_many([eval_event(i) for i in range(3)])
        assert c.flush(10)
    assert len(gw.requests) == 2
    assert gw.ids(0) == gw.ids(1) == ids
    assert gw.requests[1][0] - gw.requests[0][0] >= 0.95
    assert c.stats["throttled"] == 1


def test_503_with_per_event_status_resends_only_the_unacknowledged_ones(scripted):
    def partial(events):
        return {"accepted": 1, "events": [{"index": 0, "status": 202, "eventId": events[0]["eventId"]}]
                + [{"index": i, "status": 503, "eventId": e["eventId"], "message": "Kafka did not acknowledge"}
                   for i, e in enumerate(events) if i > 0]}
    gw = scripted([(503, {"Retry-After": "0"}, partial)])
    with attestream.Client(gw.url, "k", linger=0) as c:
        ids = c.send_many([eval_event(i) for i in range(4)])
        assert c.flush(10)
    assert gw.ids(0) == ids
    assert gw.ids(1) == ids[1:]
    assert c.stats["accepted"] == 4


def test_an_invalid_event_is_reported_with_its_path_and_the_rest_of_the_batch_is_resent(scripted):
    def refuse_second(events):
        return {"error": "invalid events: nothing was sent", "accepted": 0, "events": [
            {"index": i, "status": 400 if i == 1 else 424, "eventId": e["eventId"],
             **({"errors": [{"path": "agentId", "message": "holds a lone UTF-16 surrogate"}]} if i == 1 else {})}
            for i, e in enumerate(events)]}
    gw = scripted([(400, {}, refuse_second)])
    rejected = []
    with attestream.Client(gw.url, "k", linger=0, on_rejected=lambda e, s, errs: rejected.append((e, s, errs))) as c:
        ids = c.send_many([eval_event(i) for i in range(3)])
        assert c.flush(10)
    assert [r[0]["eventId"] for r in rejected] == [ids[1]]
    assert rejected[0][1] == 400 and rejected[0][2][0]["path"] == "agentId"
    assert gw.ids(1) == [ids[0], ids[2]]


def test_network_errors_back_off_and_retry_until_the_gateway_answers(scripted):
    # The client starts against a port where nothing listens yet; a gateway appears there later.
    port = free_port()
    with attestream.Client("http://127.0.0.1:%d" % port, "k", linger=0, max_backoff=0.3) as c:
        ids = [c.send(eval_event(1))]
        assert not c.flush(0.5)
        assert c.stats["retried_batches"] >= 1
        gw = scripted(port=port)
        assert c.flush(10)
    assert c.stats["accepted"] == 1
    assert gw.ids(0) == ids


def test_401_stops_the_sender_keeps_the_events_and_says_why(scripted, tmp_path):
    gw = scripted([(401, {}, lambda ev: {"error": "a valid API key is required"})])
    c = attestream.Client(gw.url, "wrong", spool_path=str(tmp_path / "spool"), linger=0)
    c.send(eval_event(1))
    with pytest.raises(attestream.GatewayConfigurationError, match="401"):
        c.flush(10)
    assert len(attestream.Spool(str(tmp_path / "spool")).pending()) == 1


def test_events_spooled_by_a_process_that_died_are_sent_by_the_next_one_with_their_ids(scripted, tmp_path):
    spool = str(tmp_path / "spool")
    dead = free_port()
    child = subprocess.run([sys.executable, "-c", CRASHING_PRODUCER, spool, "http://127.0.0.1:%d" % dead],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..")))
    assert child.returncode == 17, child.stderr
    spooled_ids = child.stdout.split()
    assert len(spooled_ids) == 25
    with open(spool, "ab") as f:
        f.write(b'{"add": {"eventId": "torn')  # a write cut by the crash
    gw = scripted()
    with attestream.Client(gw.url, "k", spool_path=spool, linger=0) as c:
        assert c.flush(10)
    assert sum((gw.ids(i) for i in range(len(gw.requests))), []) == spooled_ids
    assert attestream.Spool(spool).pending() == []


def test_a_lone_surrogate_is_refused_by_send_naming_the_field(scripted):
    gw = scripted()
    with attestream.Client(gw.url, "k", linger=0) as c:
        with pytest.raises(ValueError, match=r"agentId holds a lone UTF-16 surrogate"):
            c.send(attestream.Event("acme", "bot-\udcff", "1.0", attestream.EvalResult("s", "e", "m", 0.1, "RULE")))
        with pytest.raises(ValueError, match=r"payload.AgentAction.attributes.k holds"):
            c.send(attestream.Event("acme", "bot", "1.0", attestream.AgentAction("CHAT", "OK", attributes={"k": "\ud800"})))
        assert c.pending() == 0
    assert gw.requests == []


def test_buffer_full_refuses_without_queueing(scripted):
    gw = scripted([(429, {"Retry-After": "2"}, lambda ev: {"error": "busy"})])
    with attestream.Client(gw.url, "k", linger=0, max_pending=2) as c:
        c.send_many([eval_event(1), eval_event(2)])
        with pytest.raises(attestream.BufferFullError):
            c.send(eval_event(3))
        assert c.pending() == 2
        assert c.flush(10)


CRASHING_PRODUCER = r"""
import os, sys
import attestream
spool, url = sys.argv[1], sys.argv[2]
c = attestream.Client(url, "k", spool_path=spool, linger=0, max_backoff=0.2)
ids = c.send_many([attestream.Event("acme", "bot", "1.0", attestream.EvalResult("s", "e%d" % i, "m", 0.1, "RULE"))
                   for i in range(20)])
ids += [c.send(attestream.Event("acme", "bot", "1.0", attestream.HumanOverride("op", "HALT", "why")))
        for _ in range(5)]
print(" ".join(ids), flush=True)
os._exit(17)   # no close(), no flush: a crash
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

