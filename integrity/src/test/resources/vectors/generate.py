#!/usr/bin/env python3
"""Independent reference implementation of the Attestream integrity formats (docs/integrity.md).

Written from the document and RFC 9162 alone, sharing no code with the Java library; the Java
tests check the library against the files this script writes. Regenerate with:
    python3 integrity/src/test/resources/vectors/generate.py integrity/src/test/resources/vectors
"""
import base64
import hashlib
import json
import struct
import sys
import os

def sha(b):
    return hashlib.sha256(b).digest()

def leaf_hash(d):
    return sha(b"\x00" + d)

def node_hash(l, r):
    return sha(b"\x01" + l + r)

def mth(leaves):
    """RFC 9162 2.1.1 over leaf data (not leaf hashes)."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))

def path(m, leaves):
    """RFC 9162 2.1.3.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]

def subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]

def proof(m, leaves):
    """RFC 9162 2.1.4.1 PROOF(m, D[n]); empty for m == 0 or m == n."""
    if m == 0 or m == len(leaves):
        return []
    return subproof(m, leaves, True)

def lp(b):
    return struct.pack(">I", len(b)) + b

def genesis(tenant, agent):
    return sha(lp(b"attestream.chain.genesis.v1") + lp(tenant.encode("utf-8")) + lp(agent.encode("utf-8")))

def entry_hash(tenant, agent, seq, prev, schema_id, fp, event):
    """Entry version 1 (docs/integrity.md 2.2)."""
    return sha(lp(b"attestream.chain.entry.v1") + lp(tenant.encode("utf-8")) + lp(agent.encode("utf-8"))
               + struct.pack(">Q", seq) + prev + struct.pack(">i", schema_id) + fp + lp(event))

def entry_hash_v2(tenant, agent, seq, prev, chained_at_micros, schema_id, fp, event):
    """Entry version 2: the chained time (microseconds since the epoch, >= 0) after the previous hash."""
    assert 0 <= chained_at_micros < 2 ** 63
    return sha(lp(b"attestream.chain.entry.v2") + lp(tenant.encode("utf-8")) + lp(agent.encode("utf-8"))
               + struct.pack(">Q", seq) + prev + struct.pack(">q", chained_at_micros) + struct.pack(">i", schema_id)
               + fp + lp(event))

def entry_hash_any(version, tenant, agent, seq, prev, chained_at_micros, schema_id, fp, event):
    if version == 1:
        return entry_hash(tenant, agent, seq, prev, schema_id, fp, event)
    if version == 2:
        return entry_hash_v2(tenant, agent, seq, prev, chained_at_micros, schema_id, fp, event)
    raise ValueError("unknown entry version %d" % version)

def stored_event_bytes(schema_id, body):
    """What ChainedEvent.eventBytes and chained_events.event_bytes hold: the Confluent header, then the body."""
    return b"\x00" + struct.pack(">I", schema_id) + body

def leaf_data(i):
    return sha(("leaf-%d" % i).encode("ascii"))

N = 17

def main(out):
    leaves = [leaf_data(i) for i in range(N)]
    with open(os.path.join(out, "merkle-roots.tsv"), "w") as f:
        f.write("# RFC 9162 roots. Leaf data i = SHA-256(ASCII \"leaf-<i>\"); columns: tree_size, root (hex)\n")
        for n in range(N + 1):
            f.write("%d\t%s\n" % (n, mth(leaves[:n]).hex()))
    with open(os.path.join(out, "merkle-inclusion.tsv"), "w") as f:
        f.write("# RFC 9162 inclusion paths over the leaves of merkle-roots.tsv;"
                " columns: leaf_index, tree_size, path (hex, comma-separated, '-' when empty)\n")
        for n in range(1, N + 1):
            for m in range(n):
                p = path(m, leaves[:n])
                f.write("%d\t%d\t%s\n" % (m, n, ",".join(h.hex() for h in p) or "-"))
    with open(os.path.join(out, "merkle-consistency.tsv"), "w") as f:
        f.write("# RFC 9162 consistency proofs over the leaves of merkle-roots.tsv;"
                " columns: tree_size_1, tree_size_2, path (hex, comma-separated, '-' when empty)\n")
        for n in range(0, N + 1):
            for m in range(0, n + 1):
                p = proof(m, leaves[:n])
                f.write("%d\t%d\t%s\n" % (m, n, ",".join(h.hex() for h in p) or "-"))
    logs = [("acme", "agent-1"), ("t\u00e9nant/x", "agent 7+\U0001F600")]
    with open(os.path.join(out, "chain.tsv"), "w") as f:
        f.write("# Chain entry hashes (docs/integrity.md). Event i of a log = ASCII \"event-<i>\" repeated to 512 bytes;"
                " schema id = 100 + i; fingerprint = SHA-256(ASCII \"schema-<schema id>\").\n")
        f.write("# columns: tenant (hex UTF-8), agentId (hex UTF-8), seq, previous hash, schema id, fingerprint,"
                " event (hex), entry hash\n")
        for tenant, agent in logs:
            prev = genesis(tenant, agent)
            for i in range(4):
                sid = 100 + i
                fp = sha(("schema-%d" % sid).encode("ascii"))
                unit = ("event-%d" % i).encode("ascii")
                event = (unit * (512 // len(unit) + 1))[:512]
                h = entry_hash(tenant, agent, i, prev, sid, fp, event)
                f.write("\t".join([tenant.encode().hex(), agent.encode().hex(), str(i), prev.hex(), str(sid), fp.hex(),
                                   event.hex(), h.hex()]) + "\n")
                prev = h
    with open(os.path.join(out, "genesis.tsv"), "w") as f:
        f.write("# Genesis hashes; columns: tenant (hex UTF-8), agentId (hex UTF-8), origin line, genesis hash\n")
        for tenant, agent in logs:
            f.write("\t".join([tenant.encode().hex(), agent.encode().hex(), origin(tenant, agent),
                               genesis(tenant, agent).hex()]) + "\n")
    chain_v2(out)
    encodings(out, leaves)
    proof_json(out, leaves)

# 2026-11-26T00:00:00Z in microseconds since the epoch.
T0 = 1795651200 * 1000000

def chain_v2(out):
    """Entry version 2 vectors, and one log that goes from version 1 to version 2 (docs/integrity.md 2.3)."""
    logs = [
        # (tenant, agent, [(version, chained_at_micros)] per seq)
        ("acme", "agent-1", [(2, T0), (2, T0 + 1000), (2, T0 + 1000), (2, T0 + 61000250)]),
        ("t\u00e9nant/x", "agent 7+\U0001F600", [(1, T0 - 5000000), (1, T0 - 4000000), (2, T0),
                                                   (2, 2 ** 53 + 1)]),
        ("t", "epoch", [(2, 0), (2, 2 ** 63 - 1)]),
    ]
    with open(os.path.join(out, "chain-v2.tsv"), "w") as f:
        f.write("# Chain entry hashes of entry versions 1 and 2 (docs/integrity.md 2.2, 2.3). Event i of a log = ASCII"
                " \"event-<i>\" repeated to 512 bytes; schema id = 100 + i; fingerprint = SHA-256(ASCII"
                " \"schema-<schema id>\"). The second log goes from version 1 to version 2 at seq 2; its version 1"
                " rows equal chain.tsv's and their chained_at is stored but not hashed.\n")
        f.write("# columns: tenant (hex UTF-8), agentId (hex UTF-8), seq, entry version, chained_at (microseconds since"
                " the epoch, decimal), previous hash, schema id, fingerprint, stored event bytes (hex: 00, u32be schema"
                " id, then the hashed Avro body), entry hash\n")
        for tenant, agent, entries in logs:
            prev = genesis(tenant, agent)
            for i, (version, at) in enumerate(entries):
                sid = 100 + i
                fp = sha(("schema-%d" % sid).encode("ascii"))
                unit = ("event-%d" % i).encode("ascii")
                event = (unit * (512 // len(unit) + 1))[:512]
                h = entry_hash_any(version, tenant, agent, i, prev, at, sid, fp, event)
                f.write("\t".join([tenant.encode().hex(), agent.encode().hex(), str(i), str(version), str(at),
                                   prev.hex(), str(sid), fp.hex(), stored_event_bytes(sid, event).hex(),
                                   h.hex()]) + "\n")
                prev = h

def b64(h):
    return base64.b64encode(h).decode("ascii")

def frontier(leaves):
    """Roots of the perfect subtrees of len(leaves)'s binary decomposition, largest first."""
    out, lo, n = [], 0, len(leaves)
    for bit in range(63, -1, -1):
        size = 1 << bit
        if n & size:
            out.append(mth(leaves[lo:lo + size]))
            lo += size
    return out

def encodings(out, leaves):
    with open(os.path.join(out, "encodings.tsv"), "w") as f:
        f.write("# Binary encodings (docs/integrity.md 3.1), hex. kind, argument, encoding\n")
        for n in range(N + 1):
            enc = b"\x01" + struct.pack(">Q", n) + b"".join(frontier(leaves[:n]))
            f.write("compact-tree\t%d\t%s\n" % (n, enc.hex()))
        tenant, agent = "acme", "agent-1"
        head = genesis(tenant, agent)
        for seq in range(3):
            unit = ("event-%d" % seq).encode("ascii")
            head = entry_hash(tenant, agent, seq, head, 100 + seq, sha(("schema-%d" % (100 + seq)).encode("ascii")),
                              (unit * (512 // len(unit) + 1))[:512])
        ch = b"\x01" + lp(tenant.encode()) + lp(agent.encode()) + struct.pack(">Q", 3) + head
        f.write("chain-head\t3\t%s\n" % ch.hex())
        g = b"\x01" + lp(tenant.encode()) + lp(agent.encode()) + struct.pack(">Q", 0) + genesis(tenant, agent)
        f.write("chain-head\t0\t%s\n" % g.hex())

def proof_json(out, leaves):
    with open(os.path.join(out, "proofs.jsonl"), "w") as f:
        for m, n in [(0, 1), (5, 13), (16, 17), (3, 4)]:
            f.write(json.dumps({"version": 1, "leaf_index": m, "tree_size": n,
                                "inclusion_path": [b64(h) for h in path(m, leaves[:n])]}, separators=(",", ":")) + "\n")
        for m, n in [(0, 7), (6, 13), (4, 4), (8, 17), (1, 2)]:
            f.write(json.dumps({"version": 1, "tree_size_1": m, "tree_size_2": n,
                                "consistency_path": [b64(h) for h in proof(m, leaves[:n])]}, separators=(",", ":")) + "\n")

def pct(s):
    keep = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    return "".join(chr(c) if c in keep else "%%%02X" % c for c in s.encode("utf-8"))

def origin(tenant, agent):
    return "attestream/" + pct(tenant) + "/" + pct(agent)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
