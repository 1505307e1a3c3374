#!/usr/bin/env python3
"""Independent implementation of C2SP tlog-cosignature/v1 (Ed25519) and of the tlog-witness
add-checkpoint request body, as specified in docs/integrity.md section 6.

Written from docs/integrity.md and the C2SP texts alone, with Python's hashlib and the `cryptography`
package's Ed25519 (no Java code consulted), so the Java implementation is checked against a second one.

    python3 cosignature.py gen                      # (in this directory) rewrites cosignature-vectors.json
    python3 cosignature.py verify WITNESS_VKEY NOTE...   # checks cosignatures; used by the Java tests

`verify` prints `OK <file> cosigner=<name> time=<seconds> size=<size>` for a note carrying a valid
cosignature by the witness key, `FAIL <file> <reason>` otherwise, and exits 1 if any note failed.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DASH = "\u2014 "


def b64(b):
    return base64.b64encode(b).decode("ascii")


def unb64(s):
    b = base64.b64decode(s, validate=True)
    if b64(b) != s:
        raise ValueError("non-canonical base64 %r" % s)
    return b


def key_id(name, alg, pub):
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + pub).digest()[:4]


def witness_key(name, seed):
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = key_id(name, 0x04, pub)
    return {"sk": sk, "name": name, "seedHex": seed.hex(), "publicKeyHex": pub.hex(), "keyIdHex": kid.hex(),
            "noteSignerKeyIdHex": key_id(name, 0x01, pub).hex(),
            "vkey": name + "+" + kid.hex() + "+" + b64(b"\x04" + pub)}


def signed_message(timestamp, body):
    if not 0 <= timestamp <= 2 ** 63 - 1:
        raise ValueError("timestamp out of range")
    return ("cosignature/v1\ntime %d\n" % timestamp).encode("ascii") + body.encode("utf-8")


def cosign(k, timestamp, body):
    sig = k["sk"].sign(signed_message(timestamp, body))
    raw = bytes.fromhex(k["keyIdHex"]) + timestamp.to_bytes(8, "big") + sig
    return DASH + k["name"] + " " + b64(raw) + "\n"


def split_note(text):
    """Body (ending in its newline) and signature lines of a signed note."""
    i = text.rindex("\n\n")
    body, block = text[:i + 1], text[i + 2:]
    if not block.endswith("\n"):
        raise ValueError("signature block does not end with a newline")
    return body, block[:-1].split("\n")


def parse_vkey(vkey):
    name, hexid, key = vkey.strip().split("+", 2)
    raw = unb64(key)
    if len(raw) != 33 or raw[0] != 0x04:
        raise ValueError("not a cosignature/v1 vkey (type 0x04)")
    if key_id(name, 0x04, raw[1:]).hex() != hexid:
        raise ValueError("key id does not match")
    return name, bytes.fromhex(hexid), Ed25519PublicKey.from_public_bytes(raw[1:])


def verify_note(vkey, text):
    """Returns (timestamp, tree size) of the valid cosignature by vkey; raises ValueError otherwise."""
    name, kid, pub = parse_vkey(vkey)
    body, lines = split_note(text)
    found = None
    for line in lines:
        if not line.startswith(DASH):
            raise ValueError("bad signature line %r" % line)
        lname, sig = line[len(DASH):].split(" ")
        raw = unb64(sig)
        if lname != name or raw[:4] != kid:
            continue  # another signer: the log, or another witness
        if len(raw) != 4 + 8 + 64:
            raise ValueError("cosignature line of %d bytes" % len(raw))
        ts = int.from_bytes(raw[4:12], "big")
        if ts > 2 ** 63 - 1:
            raise ValueError("timestamp above 2^63 - 1")
        try:
            pub.verify(raw[12:], signed_message(ts, body))
        except InvalidSignature:
            raise ValueError("cosignature by %s does not verify" % name)
        found = (ts, int(body.split("\n")[1]))
    if found is None:
        raise ValueError("no cosignature by %s" % name)
    return found


# ------------------------------------------------------------------ RFC 9162 trees, for request vectors

def leaf(d):
    return hashlib.sha256(b"\x00" + d).digest()


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return leaf(d[0])
    k = split(len(d))
    return node(mth(d[:k]), mth(d[k:]))


def subproof(m, d, b):
    """RFC 9162 section 2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    return [] if m == 0 or m == len(d) else subproof(m, d, True)


def generate():
    with open("../checkpoint/checkpoint-vectors.json", encoding="utf-8") as f:
        cps = json.load(f)
    log_key = cps["keys"][0]
    log_sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(log_key["seedHex"]))
    w1 = witness_key("attestream-test-witness", bytes(range(64, 96)))
    w2 = witness_key("witness.example.com/w2", bytes(range(96, 128)))
    out = {"witnessKeys": [{f: k[f] for f in ("name", "seedHex", "publicKeyHex", "keyIdHex", "noteSignerKeyIdHex",
                                               "vkey")} for k in (w1, w2)],
           "logKeyVkey": log_key["vkey"], "cosignatures": [], "requests": []}

    with open("../checkpoint/checkpoint-format2-acme-agent-1.note", encoding="utf-8", newline="") as f:
        note = f.read()
    body, _ = split_note(note)
    for ts in (1, 1795651200, 2 ** 63 - 1):
        line1 = cosign(w1, ts, body)
        out["cosignatures"].append({
            "note": note, "timestamp": ts,
            "signedMessage": signed_message(ts, body).decode("utf-8"),
            "lineWitness1": line1[:-1],
            "cosignedNote": note + line1 + cosign(w2, ts, body),
        })
        assert verify_note(w1["vkey"], note + line1) == (ts, 1)
    with open("cosigned-format2-acme-agent-1.note", "w", encoding="utf-8", newline="") as f:
        f.write(out["cosignatures"][1]["cosignedNote"])

    # add-checkpoint requests over the leaves of merkle-roots.tsv (d_i = SHA-256("leaf-" || i)).
    d = [hashlib.sha256(b"leaf-" + str(i).encode()).digest() for i in range(17)]
    for old, size in ((0, 6), (6, 13), (13, 13), (1, 17)):
        cp_body = "attestream/acme/agent-1\n%d\n%s\n" % (size, b64(mth(d[:size])))
        cp_note = cp_body + "\n" + DASH + log_key["name"] + " " + b64(
            bytes.fromhex(log_key["keyIdHex"]) + log_sk.sign(cp_body.encode("utf-8"))) + "\n"
        p = proof(old, d[:size])
        ts = 1795651200 + size
        out["requests"].append({
            "oldSize": old, "treeSize": size, "oldRootBase64": b64(mth(d[:old])),
            "proofBase64": [b64(h) for h in p], "note": cp_note,
            "body": "old %d\n" % old + "".join(b64(h) + "\n" for h in p) + "\n" + cp_note,
            "timestamp": ts, "responseBody": cosign(w1, ts, cp_body),
        })
    with open("cosignature-vectors.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main(argv):
    if argv[1:2] == ["gen"]:
        generate()
        return 0
    if len(argv) >= 4 and argv[1] == "verify":
        with open(argv[2], encoding="utf-8") as f:
            vkey = f.read()
        failed = 0
        for path in argv[3:]:
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
            try:
                ts, size = verify_note(vkey, text)
                print("OK %s cosigner=%s time=%d size=%d" % (path, vkey.split("+")[0], ts, size))
            except (ValueError, IndexError) as e:
                failed += 1
                print("FAIL %s %s" % (path, e))
        return 1 if failed else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
