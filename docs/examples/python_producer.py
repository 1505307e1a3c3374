"""Non-JVM producer writing AuditEvents straight to Kafka: confluent-kafka for Kafka, Apache Avro (python3-avro) for
the body, the Confluent wire format framed by hand, the registry asked with urllib. Works with Debian's packages
alone (apt install python3-confluent-kafka python3-avro): no fastavro, no requests.

Conventions it shows (docs/events.md):

  topic        attestream.events
  key          "<tenant>/<agentId>" as UTF-8 (all events of one agent in one partition, in order)
  partitioner  murmur2_random: librdkafka's default (consistent_random, CRC32) puts most keys on another partition
               than the Java client's murmur2, and the chainer then re-keys them through attestream.events.rekey
               (still gapless and in order, but an extra write and more latency; metric
               attestream_chainer_events_rekeyed_total)
  value        0x00, 4-byte big-endian schema id, Avro binary body
  subject      attestream.events-value; the released schema file is looked up, not registered: the registry holds
               it byte for byte (canonical form), so this finds the same id as the JVM pipeline

bin/attestream schemas print > AuditEvent.avsc
python3 docs/examples/python_producer.py AuditEvent.avsc [COUNT]
  env KAFKA (default localhost:9092), SCHEMA_REGISTRY_URL (default http://localhost:8081/apis/ccompat/v7)

With fastavro and requests installed, confluent_kafka.schema_registry.avro.AvroSerializer does the framing:
  AvroSerializer(SchemaRegistryClient({"url": REGISTRY}), open("AuditEvent.avsc").read(),
                 conf={"auto.register.schemas": False})
and the producer needs the same "partitioner": "murmur2_random".
"""
import datetime
import io
import json
import os
import socket
import struct
import sys
import urllib.request
import uuid

import avro.io
import avro.schema
from confluent_kafka import Producer

TOPIC = "attestream.events"
SUBJECT = TOPIC + "-value"
REGISTRY = os.environ.get("SCHEMA_REGISTRY_URL", "http://localhost:8081/apis/ccompat/v7")

schema_text = open(sys.argv[1], encoding="utf-8").read()
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1

# Look the id up: POST /subjects/{subject} answers the id of an already registered schema, 404 otherwise.
request = urllib.request.Request(f"{REGISTRY}/subjects/{SUBJECT}", method="POST",
                                 data=json.dumps({"schema": schema_text}).encode("utf-8"),
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
with urllib.request.urlopen(request, timeout=10) as answer:
    schema_id = json.load(answer)["id"]
schema = avro.schema.parse(schema_text)
writer = avro.io.DatumWriter(schema)


def confluent_value(event: dict) -> bytes:
    body = io.BytesIO()
    writer.write(event, avro.io.BinaryEncoder(body))
    return b"\x00" + struct.pack(">I", schema_id) + body.getvalue()


def eval_event(agent: str, n: int) -> dict:
    return {
        "eventId": str(uuid.uuid4()),          # the idempotency key: reuse it when retrying
        "tenant": "acme",
        "agentId": agent,
        "agentVersion": "1.4.2",
        "occurredAt": datetime.datetime.now(datetime.timezone.utc),   # timestamp-micros (Avro converts)
        "recordedBy": {"host": socket.gethostname(), "sdk": "attestream-python-example", "sdkVersion": "0.1.0"},
        "traceId": None, "spanId": None, "sessionId": None,
        "controls": [],                        # empty = the payload type's default controls
        # Apache Avro picks the union branch whose record fields match; every field is given.
        "payload": {"suite": "safety-regression", "evalName": "refusal-%d" % n, "metric": "accuracy",
                    "value": 0.93, "label": "pass", "datasetVersion": "2026.10", "evaluatorKind": "MODEL",
                    "evaluator": "judge-v3"},
    }


producer = Producer({"bootstrap.servers": os.environ.get("KAFKA", "localhost:9092"),
                     "acks": "all", "enable.idempotence": True,
                     "partitioner": "murmur2_random"})   # the Java client's partitioner for keyed records
failures = []


def delivered(err, msg):
    if err is not None:
        failures.append(err)   # retry the same event (same eventId)


for n in range(count):
    event = eval_event("py-kafka-%d" % (n % 50), n)
    producer.produce(TOPIC, key=f"{event['tenant']}/{event['agentId']}".encode("utf-8"),
                     value=confluent_value(event), on_delivery=delivered)
    producer.poll(0)
producer.flush(60)
if failures:
    raise SystemExit(f"{len(failures)} not written, first: {failures[0]}")
print(f"{count} events written to {TOPIC} with schema id {schema_id}")
