#!/usr/bin/env python3
"""Independent generator of the checkpoint / signed-note / key test vectors (docs/integrity.md).

Written from docs/integrity.md alone, with Python's hashlib and the `cryptography` package's
Ed25519, so the Java implementation is checked against a second implementation. Writes format 1
checkpoints (`checkpoints`: chain-head line only), format 2 checkpoints (`checkpointsFormat2`:
chain-head, cadence and created lines) and bodies a verifier must reject (`rejectedBodies`), each
checked here by a strict reference parser of the extension lines. Re-run with
`python3 gen_checkpoint_vectors.py` in this directory; output is deterministic.
"""
import base64
import binascii
import datetime
import hashlib
import json
import re
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def pct(s):
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in s.encode("utf-8"))


def origin(tenant, agent):
    return "attestream/" + pct(tenant) + "/" + pct(agent)


def b64(b):
    return base64.b64encode(b).decode("ascii")


def key(name, seed):
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode("utf-8") + b"\n" + b"\x01" + pub).digest()[:4]
    return {
        "sk": sk,
        "name": name,
        "seedHex": seed.hex(),
        "publicKeyHex": pub.hex(),
        "keyIdHex": key_id.hex(),
        "vkey": name + "+" + key_id.hex() + "+" + b64(b"\x01" + pub),
        "pkcs8Pem": sk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode("ascii"),
        "spkiPem": sk.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii"),
    }


def sign_note(body, keys):
    lines = []
    for k in keys:
        sig = k["sk"].sign(body.encode("utf-8"))
        lines.append("\u2014 " + k["name"] + " " + b64(bytes.fromhex(k["keyIdHex"]) + sig) + "\n")
    return body + "\n" + "".join(lines)


K1 = key("attestream-test-key", bytes(range(32)))
K2 = key("attestream-test-key-2", bytes(range(32, 64)))

CASES = [
    ("acme", "agent-1", 1),
    ("acme", "agent-1", 7),
    ("\u00fcmlaut corp", "a/b c%+\u2014", 1024),
    ("t", "x", 18446744073709551615 // 2),
]

out = {"keys": [], "checkpoints": []}
for k in (K1, K2):
    out["keys"].append({f: k[f] for f in ("name", "seedHex", "publicKeyHex", "keyIdHex", "vkey", "pkcs8Pem",
                                           "spkiPem")})
for i, (tenant, agent, size) in enumerate(CASES):
    root = hashlib.sha256(("root %d" % i).encode()).digest()
    head = hashlib.sha256(("head %d" % i).encode()).digest()
    o = origin(tenant, agent)
    body = "%s\n%d\n%s\nchain-head %d %s\n" % (o, size, b64(root), size - 1, b64(head))
    note1 = sign_note(body, [K1])
    note2 = sign_note(body, [K1, K2])
    out["checkpoints"].append({
        "tenant": tenant, "agentId": agent, "origin": o, "treeSize": size,
        "rootHashBase64": b64(root), "chainHeadSeq": size - 1, "chainHeadHashBase64": b64(head),
        "body": body, "noteSignedByKey1": note1, "noteSignedByKey1And2": note2,
        "noteHashKey1Hex": hashlib.sha256(note1.encode("utf-8")).hexdigest(),
    })
    if i == 0:
        with open("checkpoint-acme-agent-1.note", "w", encoding="utf-8", newline="") as f:
            f.write(note1)



def mth(leaves):
    """RFC 9162 section 2.1.1 Merkle Tree Hash over leaf data."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


# Timestamp batch of all key-1 notes, in order: leaf data = SHA-256(note text).
out["timestampBatch"] = {
    "notes": "checkpoints[*].noteSignedByKey1, in order",
    "batchRootHex": mth([hashlib.sha256(c["noteSignedByKey1"].encode("utf-8")).digest()
                         for c in out["checkpoints"]]).hex(),
}



# ---------------------------------------------------------------- format 2: cadence and created lines

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
CREATED = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{6})Z")
DECIMAL = re.compile(r"0|[1-9][0-9]*")


def created_text(micros):
    """RFC 3339 UTC, exactly six fractional digits, upper-case T and Z (docs/integrity.md 4)."""
    return (EPOCH + datetime.timedelta(microseconds=micros)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_created(text):
    m = CREATED.fullmatch(text)
    if not m:
        raise ValueError("created time syntax: %r" % text)
    y, mo, d, h, mi, sec, us = (int(g) for g in m.groups())
    if y < 1970:
        raise ValueError("created before 1970")
    t = datetime.datetime(y, mo, d, h, mi, sec, us, tzinfo=datetime.timezone.utc)  # rejects Feb 30, 24:00, :60
    delta = t - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def decimal(text, low):
    if not DECIMAL.fullmatch(text) or int(text) >= 2 ** 63 or int(text) < low:
        raise ValueError("not a canonical decimal in [%d, 2^63): %r" % (low, text))
    return int(text)


def hash_b64(text):
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32 or b64(raw) != text:
        raise ValueError("not a canonical base64 SHA-256: %r" % text)
    return raw


def parse_attestream_body(body):
    """Strict reader of an attestream checkpoint body (format 1 or 2); raises ValueError otherwise."""
    if not body.endswith("\n"):
        raise ValueError("no final newline")
    lines = body[:-1].split("\n")
    if len(lines) < 4:
        raise ValueError("origin, size, root and chain-head lines are required")
    size = decimal(lines[1], 0)
    hash_b64(lines[2])
    ext = lines[3:]
    words = [e.split(" ") for e in ext]
    if words[0][0] != "chain-head" or len(words[0]) != 3:
        raise ValueError("first extension line must be 'chain-head <seq> <hash>'")
    if decimal(words[0][1], 0) != size - 1:
        raise ValueError("chain-head seq must be size - 1")
    hash_b64(words[0][2])
    if len(ext) == 1:
        return {"format": 1}
    if len(ext) != 3 or words[1][0] != "cadence" or words[2][0] != "created":
        raise ValueError("extension lines must be chain-head alone, or chain-head, cadence, created")
    if len(words[1]) != 3 or len(words[2]) != 2:
        raise ValueError("cadence or created line has the wrong number of fields")
    return {"format": 2, "events": decimal(words[1][1], 1), "intervalMs": decimal(words[1][2], 1),
            "createdMicros": parse_created(words[2][1])}


T0 = 1795651200 * 1000000  # 2026-11-26T00:00:00Z
CADENCES = [
    (1000, 60000, T0 + 250000),
    (1, 1, 0),
    (2 ** 63 - 1, 2 ** 63 - 1, parse_created("9999-12-31T23:59:59.999999Z")),
    (1000, 60000, parse_created("2028-02-29T23:59:59.000001Z")),
]

out["checkpointsFormat2"] = []
for i, ((tenant, agent, size), (events, interval, created)) in enumerate(zip(CASES, CADENCES)):
    root = hashlib.sha256(("root %d" % i).encode()).digest()
    head = hashlib.sha256(("head %d" % i).encode()).digest()
    o = origin(tenant, agent)
    body = "%s\n%d\n%s\nchain-head %d %s\ncadence %d %d\ncreated %s\n" % (
        o, size, b64(root), size - 1, b64(head), events, interval, created_text(created))
    parsed = parse_attestream_body(body)
    assert parsed == {"format": 2, "events": events, "intervalMs": interval, "createdMicros": created}, parsed
    note1 = sign_note(body, [K1])
    out["checkpointsFormat2"].append({
        "tenant": tenant, "agentId": agent, "origin": o, "treeSize": size,
        "rootHashBase64": b64(root), "chainHeadSeq": size - 1, "chainHeadHashBase64": b64(head),
        "cadenceEvents": events, "cadenceIntervalMs": interval, "createdMicros": created,
        "created": created_text(created), "body": body, "noteSignedByKey1": note1,
        "noteSignedByKey1And2": sign_note(body, [K1, K2]),
        "noteHashKey1Hex": hashlib.sha256(note1.encode("utf-8")).hexdigest(),
    })
    if i == 0:
        with open("checkpoint-format2-acme-agent-1.note", "w", encoding="utf-8", newline="") as f:
            f.write(note1)
for c in out["checkpoints"]:
    assert parse_attestream_body(c["body"]) == {"format": 1}

# Bodies every attestream verifier must reject (some are valid C2SP checkpoints, but not attestream ones).
GOOD = out["checkpointsFormat2"][0]["body"]
HEAD_LINE = GOOD.split("\n")[3]
CADENCE_LINE = "cadence 1000 60000"
CREATED_LINE = "created 2026-11-26T00:00:00.250000Z"
assert GOOD.endswith(HEAD_LINE + "\n" + CADENCE_LINE + "\n" + CREATED_LINE + "\n")
PREFIX = GOOD[:GOOD.index(HEAD_LINE)]
REJECTED = [
    ("no extension lines", ""),
    ("cadence and created without chain-head", CADENCE_LINE + "\n" + CREATED_LINE + "\n"),
    ("chain-head not first", CADENCE_LINE + "\n" + HEAD_LINE + "\n" + CREATED_LINE + "\n"),
    ("two chain-head lines", HEAD_LINE + "\n" + HEAD_LINE + "\n"),
    ("cadence without created", HEAD_LINE + "\n" + CADENCE_LINE + "\n"),
    ("created without cadence", HEAD_LINE + "\n" + CREATED_LINE + "\n"),
    ("created before cadence", HEAD_LINE + "\n" + CREATED_LINE + "\n" + CADENCE_LINE + "\n"),
    ("an unknown line after created", HEAD_LINE + "\n" + CADENCE_LINE + "\n" + CREATED_LINE + "\nwitness x\n"),
    ("cadence 0 events", HEAD_LINE + "\ncadence 0 60000\n" + CREATED_LINE + "\n"),
    ("cadence 0 ms", HEAD_LINE + "\ncadence 1000 0\n" + CREATED_LINE + "\n"),
    ("cadence with a leading zero", HEAD_LINE + "\ncadence 01000 60000\n" + CREATED_LINE + "\n"),
    ("cadence with a sign", HEAD_LINE + "\ncadence +1000 60000\n" + CREATED_LINE + "\n"),
    ("cadence of 2^63", HEAD_LINE + "\ncadence 9223372036854775808 60000\n" + CREATED_LINE + "\n"),
    ("cadence with a third value", HEAD_LINE + "\ncadence 1000 60000 5\n" + CREATED_LINE + "\n"),
    ("created with 3 fractional digits", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-11-26T00:00:00.250Z\n"),
    ("created without fraction", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-11-26T00:00:00Z\n"),
    ("created with an offset", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-11-26T00:00:00.250000+00:00\n"),
    ("created with lower-case t and z", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-11-26t00:00:00.250000z\n"),
    ("created with a leap second", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-12-31T23:59:60.000000Z\n"),
    ("created on February 30", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-02-30T00:00:00.000000Z\n"),
    ("created at hour 24", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 2026-11-26T24:00:00.000000Z\n"),
    ("created before 1970", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 1969-12-31T23:59:59.999999Z\n"),
    ("created as integer microseconds", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated 1795651200250000\n"),
    ("created with two spaces", HEAD_LINE + "\n" + CADENCE_LINE + "\ncreated  2026-11-26T00:00:00.250000Z\n"),
]
out["rejectedBodies"] = []
for why, ext in REJECTED:
    body = PREFIX + ext
    try:
        parse_attestream_body(body)
    except ValueError:
        out["rejectedBodies"].append({"why": why, "body": body})
    else:
        raise AssertionError("the reference parser accepts the bad body: " + why)

with open("checkpoint-vectors.json", "w", encoding="utf-8", newline="\n") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
with open("test-key.key", "w", newline="") as f:
    f.write(K1["pkcs8Pem"])
with open("test-key.pub", "w", newline="") as f:
    f.write(K1["spkiPem"])
with open("test-key.vkey", "w", newline="") as f:
    f.write(K1["vkey"] + "\n")
