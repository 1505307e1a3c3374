"""Non-JVM producer writing AuditEvents straight to Kafka, with a Confluent wire-format serializer written
out by hand (fastavro for the Avro body). Conventions it shows:

  topic    attestream.events
  key      "<tenant>/<agentId>" as UTF-8 (all events of one agent in one partition, in order)
  value    0x00, 4-byte big-endian schema id, Avro binary body
  subject  attestream.events-value (the schema is registered once by `attestream schemas register`;
           the producer only looks its id up, it does not register)

pip install confluent-kafka fastavro requests
ATTESTREAM_SCHEMA=$(bin/attestream schemas print) python3 docs/examples/python_producer.py
"""
import io
import json
import os
import struct
import time
import uuid

import fastavro
import requests
from confluent_kafka import Producer

TOPIC = "attestream.events"
SUBJECT = TOPIC + "-value"
REGISTRY = os.environ.get("SCHEMA_REGISTRY_URL", "http://localhost:8081/apis/ccompat/v7")

schema_json = os.environ["ATTESTREAM_SCHEMA"]
# Look the id up (POST /subjects/{subject} answers the id of an already registered schema, 404 otherwise).
r = requests.post(f"{REGISTRY}/subjects/{SUBJECT}", json={"schema": schema_json},
                  headers={"Content-Type": "application/vnd.schemaregistry.v1+json"}, timeout=10)
r.raise_for_status()
schema_id = r.json()["id"]
parsed = fastavro.parse_schema(json.loads(schema_json))


def confluent_value(event: dict) -> bytes:
    body = io.BytesIO()
    fastavro.schemaless_writer(body, parsed, event)
    return b"\x00" + struct.pack(">I", schema_id) + body.getvalue()


event = {
    "eventId": str(uuid.uuid4()),          # the idempotency key: reuse it when retrying
    "tenant": "acme",
    "agentId": "refund-bot",
    "agentVersion": "1.4.2",
    "occurredAt": int(time.time() * 1_000_000),   # timestamp-micros
    "recordedBy": {"host": os.uname().nodename, "sdk": "attestream-python-example", "sdkVersion": "0.1.0"},
    "traceId": None, "spanId": None, "sessionId": None,
    "controls": [],                        # empty = the payload type's default controls
    # fastavro picks the union branch by name with a (name, value) tuple.
    "payload": ("io.attestream.events.EvalResult", {
        "suite": "safety-regression", "evalName": "refusal-17", "metric": "accuracy", "value": 0.93,
        "label": "pass", "datasetVersion": "2026.10", "evaluatorKind": "MODEL", "evaluator": "judge-v3"}),
}

producer = Producer({"bootstrap.servers": os.environ.get("KAFKA", "localhost:9092"),
                     "acks": "all", "enable.idempotence": True})


def delivered(err, msg):
    if err is not None:
        raise SystemExit(f"not written: {err}")   # retry with the same eventId
    print(f"written to {msg.topic()}/{msg.partition()}@{msg.offset()}")


producer.produce(TOPIC, key=f"{event['tenant']}/{event['agentId']}".encode("utf-8"),
                 value=confluent_value(event), on_delivery=delivered)
producer.flush(30)
