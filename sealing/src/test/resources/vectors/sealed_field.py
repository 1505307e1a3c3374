#!/usr/bin/env python3
"""Independent implementation of the sealed-field format AES_256_GCM_V1 (docs/integrity.md, "Sealed fields"),
written from the document with Python's hmac/hashlib and the cryptography package (Debian python3-cryptography).

  sealed_field.py gen            print the fixed test vector (sealed-field-vectors.json) from its inputs
  sealed_field.py check FILE     open every case of FILE (JSON list) and compare; exit 1 on any mismatch
  sealed_field.py seal FILE      read cases without ciphertext (key, nonce, ... cleartext), print them sealed
"""
import hashlib
import hmac
import json
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LABEL = "attestream/sealed-field/v1"


def lp(b):
    return struct.pack(">I", len(b)) + b


def aad(tenant, agent_id, event_id, field, key_id, subject_digest):
    out = b""
    for s in (LABEL, tenant, agent_id, event_id, field, key_id):
        out += lp(s.encode("utf-8"))
    return out + lp(subject_digest)


def subject_digest(digest_key, subject_id):
    return hmac.new(digest_key, subject_id.encode("utf-8"), hashlib.sha256).digest()


def complete(case):
    digest = subject_digest(bytes.fromhex(case["digestKey"]), case["subjectId"])
    a = aad(case["tenant"], case["agentId"], case["eventId"], case["field"], case["keyId"], digest)
    ct = AESGCM(bytes.fromhex(case["dataKey"])).encrypt(bytes.fromhex(case["nonce"]), case["cleartext"].encode("utf-8"), a)
    out = dict(case)
    out.update({"subjectDigest": digest.hex(), "aad": a.hex(), "ciphertext": ct.hex()})
    return out


VECTOR = {
    "digestKey": "42" * 32,
    "subjectId": "user-8812",
    "dataKey": bytes(range(32)).hex(),
    "nonce": bytes(range(12)).hex(),
    "tenant": "acme",
    "agentId": "refund-bot",
    "eventId": "5d0c2a4e-7d8b-4f7e-9a3e-1c2b3d4e5f60",
    "field": "payload.inlinePayload",
    "keyId": "6f1d2c3b-4a59-4e8f-9d0c-1b2a3f4e5d6c",
    "cleartext": "Bitte 12 \u20ac an Frau M\u00fcller erstatten",
}


def main(argv):
    if argv[1:] == ["gen"]:
        print(json.dumps([complete(VECTOR)], indent=2, ensure_ascii=False))
        return 0
    if len(argv) == 3 and argv[1] == "seal":
        with open(argv[2], encoding="utf-8") as f:
            print(json.dumps([complete(c) for c in json.load(f)], ensure_ascii=False))
        return 0
    if len(argv) == 3 and argv[1] == "check":
        with open(argv[2], encoding="utf-8") as f:
            cases = json.load(f)
        bad = 0
        for i, c in enumerate(cases):
            digest = subject_digest(bytes.fromhex(c["digestKey"]), c["subjectId"])
            a = aad(c["tenant"], c["agentId"], c["eventId"], c["field"], c["keyId"], digest)
            problems = []
            if digest.hex() != c["subjectDigest"]:
                problems.append("subjectDigest")
            if "aad" in c and a.hex() != c["aad"]:
                problems.append("aad")
            try:
                clear = AESGCM(bytes.fromhex(c["dataKey"])).decrypt(bytes.fromhex(c["nonce"]),
                                                                    bytes.fromhex(c["ciphertext"]), a).decode("utf-8")
                if clear != c["cleartext"]:
                    problems.append("cleartext")
            except Exception as e:  # InvalidTag
                problems.append("does not open (%s)" % type(e).__name__)
            print(("OK %d" % i) if not problems else ("FAIL %d %s" % (i, ", ".join(problems))))
            bad += bool(problems)
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
