"""An HTTP client of the Attestream gateway (``POST /v1/events``), standard library only.

Guarantees (docs/http-api.md; the gateway answers 202 only once Kafka acknowledged every event):

* ``send`` MUST NOT return before the event is in the spool file (written and fsynced), when a spool is
  configured: a process that crashes after ``send`` returned loses nothing; the next client opened on the same
  spool sends what is still unacknowledged, oldest first.
* Every retry reuses the event's ``eventId``, so an event written twice (answer lost, process restarted) is
  chained once: the chainer drops replays by eventId.
* 429 and 503 are back-pressure: the client waits ``Retry-After`` (seconds or an HTTP date; else its own
  backoff) and resends only the events that were not accepted. Network errors and other 5xx back off
  exponentially with jitter. Nothing is dropped because of them.
* 400 / 403 (and 413 for a single event) are permanent for that event: it leaves the spool and goes to
  ``on_rejected(event_json, status, errors)``; the other events of the batch (status 424) are resent.
* 401 and 415 are configuration errors: the events stay in the spool, the sender stops with
  :class:`GatewayConfigurationError`, and ``flush`` raises it.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Sequence

from .events import Event

__all__ = ["Client", "BufferFullError", "GatewayConfigurationError", "Spool"]


class BufferFullError(Exception):
    """More than ``max_pending`` events wait to be acknowledged; retry the same event later."""


class GatewayConfigurationError(Exception):
    """The gateway refused the requests themselves (401 unknown key, 415 content type): fix the setup."""


class Spool:
    """An append-only file of JSON lines: ``{"add": event}`` and ``{"done": eventId}``.

    Only one process per file. A torn last line (crash mid-write) is ignored; the file is rewritten without
    finished events when everything in it is done, or on open.
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        pending: Dict[str, Dict[str, Any]] = {}
        if os.path.exists(path):
            with open(path, "rb") as f:
                for raw in f:
                    try:
                        entry = json.loads(raw)
                    except ValueError:
                        continue  # torn tail
                    if "add" in entry:
                        pending[entry["add"]["eventId"]] = entry["add"]
                    elif "done" in entry:
                        pending.pop(entry["done"], None)
        self._pending = pending
        self._rewrite()

    def pending(self) -> List[Dict[str, Any]]:
        """Events added and not done, oldest first."""
        with self._lock:
            return list(self._pending.values())

    def add(self, events: Sequence[Dict[str, Any]]) -> None:
        with self._lock:
            self._append([{"add": e} for e in events])
            for e in events:
                self._pending[e["eventId"]] = e

    def done(self, event_ids: Sequence[str]) -> None:
        with self._lock:
            self._append([{"done": i} for i in event_ids])
            for i in event_ids:
                self._pending.pop(i, None)
            if not self._pending:
                self._rewrite()

    def _append(self, entries: List[Dict[str, Any]]) -> None:
        data = "".join(json.dumps(e, separators=(",", ":"), ensure_ascii=True) + "\n" for e in entries)
        with open(self.path, "ab") as f:
            f.write(data.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())

    def _rewrite(self) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            for e in self._pending.values():
                f.write((json.dumps({"add": e}, separators=(",", ":"), ensure_ascii=True) + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class Client:
    """Sends events to the gateway in NDJSON batches from a background thread.

    :param url: gateway base URL, e.g. ``http://127.0.0.1:8088``
    :param api_key: sent as ``Authorization: Bearer``
    :param spool_path: file that keeps accepted events until the gateway acknowledged them (recommended)
    :param batch_size: events per request (the gateway's ``gateway.max.batch.events`` is 1000 by default)
    :param linger: seconds to wait for more events before sending a partial batch
    :param max_pending: unacknowledged events before ``send`` raises :class:`BufferFullError`
    :param timeout: seconds per HTTP request
    :param max_backoff: cap of the exponential backoff, seconds
    :param on_rejected: called with (event JSON, HTTP status, errors list) for each permanently refused event
    :param sealer: seals the fields marked personal under each event's ``subject`` before it is queued
        (:class:`attestream.sealing.Sealer`, needs ``cryptography``); without one, an event's ``subject`` is sent
        as the JSON member ``"subject"`` so that a gateway configured with ``seal.*`` seals it on arrival
    """

    def __init__(self, url: str, api_key: str, spool_path: Optional[str] = None, batch_size: int = 500,
                 linger: float = 0.05, max_pending: int = 100_000, timeout: float = 30.0, max_backoff: float = 30.0,
                 on_rejected: Optional[Callable[[Dict[str, Any], int, List[Dict[str, Any]]], None]] = None,
                 sealer: Any = None):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("url must be http(s)://host[:port], got %r" % url)
        if not 1 <= batch_size <= 1000:
            raise ValueError("batch_size must be within 1..1000, got %d" % batch_size)
        self._scheme, self._host = parsed.scheme, parsed.hostname
        self._port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self._path = (parsed.path.rstrip("/") or "") + "/v1/events"
        self._key = api_key
        self._batch_size, self._linger, self._max_pending = batch_size, linger, max_pending
        self._timeout, self._max_backoff = timeout, max_backoff
        self._on_rejected = on_rejected
        self._sealer = sealer
        self._spool = Spool(spool_path) if spool_path else None
        self._cond = threading.Condition()
        self._queue: List[Dict[str, Any]] = list(self._spool.pending()) if self._spool else []
        self._in_flight = 0
        self._closed = False
        self._fatal: Optional[BaseException] = None
        self._conn: Optional[http.client.HTTPConnection] = None
        self.stats = {"requests": 0, "accepted": 0, "rejected": 0, "retried_batches": 0, "throttled": 0}
        self._thread = threading.Thread(target=self._run, name="attestream-sender", daemon=True)
        self._thread.start()

    # --- public API -------------------------------------------------------------------------------------------

    def send(self, event: Event) -> str:
        """Queues one event (spooled and fsynced first); returns its eventId."""
        return self.send_many([event])[0]

    def send_many(self, events: Sequence[Event]) -> List[str]:
        """Queues events with one fsync; returns their eventIds."""
        docs = [self._document(e) for e in events]
        for doc in docs:
            problem = _lone_surrogate(doc, "")
            if problem:
                raise ValueError("event %s: %s holds a lone UTF-16 surrogate: not Unicode text (the gateway would"
                                 " refuse it with 400)" % (doc["eventId"], problem))
        with self._cond:
            if self._fatal is not None:
                raise self._fatal
            if self._closed:
                raise RuntimeError("client is closed")
            if len(self._queue) + self._in_flight + len(docs) > self._max_pending:
                raise BufferFullError("%d events wait for the gateway (max_pending %d)"
                                      % (len(self._queue) + self._in_flight, self._max_pending))
            if self._spool:
                self._spool.add(docs)
            self._queue.extend(docs)
            self._cond.notify_all()
        return [d["eventId"] for d in docs]

    def _document(self, event: Event) -> Dict[str, Any]:
        doc = event.to_json()
        if self._sealer is not None:
            return self._sealer.seal(doc, event.subject)
        if event.subject is not None:
            doc["subject"] = event.subject
        return doc

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._in_flight

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until every queued event was acknowledged or rejected; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                if self._fatal is not None:
                    raise self._fatal
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left if left is not None else 1.0)
            if self._fatal is not None:
                raise self._fatal
        return True

    def close(self, timeout: Optional[float] = 30.0) -> bool:
        """Flushes (up to ``timeout``) and stops; what is not acknowledged stays in the spool."""
        try:
            done = self.flush(timeout)
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()
            self._thread.join(5)
            if self._conn is not None:
                self._conn.close()
        return done

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- sender thread ----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed and not self._queue:
                    return
                if len(self._queue) < self._batch_size and self._linger > 0 and not self._closed:
                    self._cond.wait(self._linger)
                batch = self._queue[:self._batch_size]
                del self._queue[:len(batch)]
                self._in_flight = len(batch)
            try:
                delivered = self._deliver(batch)
            except GatewayConfigurationError as e:
                with self._cond:
                    self._queue[:0] = batch
                    self._in_flight = 0
                    self._fatal = e
                    self._closed = True
                    self._cond.notify_all()
                return
            with self._cond:
                self._in_flight = 0
                self._cond.notify_all()
                if not delivered:
                    return

    def _deliver(self, batch: List[Dict[str, Any]]) -> bool:
        """Sends until every event of ``batch`` was accepted or rejected for good; False if close() gave up."""
        attempt = 0
        while batch:
            if self._closed and attempt > 0:
                # close() stopped waiting: what is left stays in the spool (if any) for the next process.
                with self._cond:
                    self._queue[:0] = batch
                return False
            status, headers, body = self._post(batch)
            if status == 202:
                self._finish(batch, rejected=[])
                return True
            if status in (401, 404, 405, 415):
                raise GatewayConfigurationError("gateway answered %d: %s" % (status, _error(body)))
            items = body.get("events") if isinstance(body, dict) else None
            if status in (400, 403, 413) and len(batch) > 1 and not items:
                half = len(batch) // 2
                if not self._deliver(batch[:half]):
                    with self._cond:
                        self._queue[:0] = batch[half:]
                    return False
                batch = batch[half:]
                continue
            if status in (400, 403, 413) and (items or len(batch) == 1):
                per = {i["index"]: i for i in items} if items else {0: {"status": status, "errors": [
                    {"path": "$", "message": _error(body)}]}}
                rejected = [(batch[i], per[i]) for i in range(len(batch)) if per.get(i, {}).get("status") in
                            (400, 403, 413)]
                self._finish([], rejected=rejected)
                batch = [batch[i] for i in range(len(batch)) if per.get(i, {}).get("status") not in (400, 403, 413)]
                continue
            if status == 503 and items:
                accepted = [batch[i["index"]] for i in items if i.get("status") == 202]
                self._finish(accepted, rejected=[])
                batch = [batch[i["index"]] for i in items if i.get("status") != 202]
            if status in (429, 503):
                self.stats["throttled"] += 1
            self.stats["retried_batches"] += 1
            self._sleep(self._retry_after(headers) if status in (429, 503) else None, attempt)
            attempt += 1
        return True

    def _finish(self, accepted: List[Dict[str, Any]], rejected: list) -> None:
        ids = [e["eventId"] for e in accepted] + [e["eventId"] for e, _ in rejected]
        if self._spool and ids:
            self._spool.done(ids)
        self.stats["accepted"] += len(accepted)
        self.stats["rejected"] += len(rejected)
        for event, item in rejected:
            if self._on_rejected:
                self._on_rejected(event, item.get("status", 400), item.get("errors", []))

    def _post(self, batch: List[Dict[str, Any]]):
        body = "".join(json.dumps(e, separators=(",", ":"), ensure_ascii=True) + "\n" for e in batch)
        data = body.encode("utf-8")
        self.stats["requests"] += 1
        for reconnect in (False, True):
            try:
                conn = self._connection(fresh=reconnect)
                conn.request("POST", self._path, body=data, headers={
                    "Content-Type": "application/x-ndjson", "Authorization": "Bearer " + self._key,
                    "User-Agent": "attestream-python/0.1.0"})
                response = conn.getresponse()
                raw = response.read()
                try:
                    parsed = json.loads(raw) if raw else {}
                except ValueError:
                    parsed = {"error": raw[:300].decode("utf-8", "replace")}
                return response.status, response.headers, parsed
            except (OSError, http.client.HTTPException) as e:
                self._drop_connection()
                if reconnect:
                    return 0, {}, {"error": repr(e)}
        return 0, {}, {}

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        if fresh:
            self._drop_connection()
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @staticmethod
    def _retry_after(headers: Any) -> Optional[float]:
        value = headers.get("Retry-After") if headers else None
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return None

    def _sleep(self, retry_after: Optional[float], attempt: int) -> None:
        if retry_after is not None:
            delay = retry_after
        else:
            delay = min(self._max_backoff, 0.1 * (2 ** min(attempt, 10))) * (0.5 + random.random() / 2)
        with self._cond:
            self._cond.wait(delay)


def _lone_surrogate(value: Any, path: str) -> Optional[str]:
    """Path of the first string (or key) holding a lone surrogate, e.g. from surrogateescape decoding; or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "$"
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            found = _lone_surrogate(k, path or "$") or _lone_surrogate(v, (path + "." if path else "") + k)
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _lone_surrogate(v, "%s[%d]" % (path, i))
            if found:
                return found
    return None


def _error(body: Any) -> str:
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return json.dumps(body)[:300]
