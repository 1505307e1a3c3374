#!/usr/bin/env python3
"""Independent generator of the checkpoint / signed-note / key test vectors (docs/integrity.md).

Written from docs/integrity.md alone, with Python's hashlib and the `cryptography` package's
Ed25519, so the Java implementation is checked against a second implementation. Re-run with
`python3 gen_checkpoint_vectors.py` in this directory; output is deterministic.
"""
import base64
import hashlib
import json
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

with open("checkpoint-vectors.json", "w", encoding="utf-8", newline="\n") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
with open("test-key.key", "w", newline="") as f:
    f.write(K1["pkcs8Pem"])
with open("test-key.pub", "w", newline="") as f:
    f.write(K1["spkiPem"])
with open("test-key.vkey", "w", newline="") as f:
    f.write(K1["vkey"] + "\n")
