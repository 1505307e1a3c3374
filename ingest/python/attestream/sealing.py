"""Sealing of personal fields in the Python client (docs/privacy.md, docs/integrity.md section 8).

Optional: needs the ``cryptography`` package (Debian python3-cryptography); the rest of the client is standard
library only. Without it, send events with ``Event(..., subject=...)`` to a gateway configured with ``seal.*``:
the gateway seals on arrival.

The key store is the JVM's file key store (``FileKeyStore``), same directory layout and formats, so producers in
both languages and ``attestream erase``/``export`` share it.
"""

import base64
import datetime as _dt
import hashlib
import hmac
import json
import os
import struct
import uuid
from typing import Any, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AAD_LABEL = "attestream/sealed-field/v1"
ALGORITHM = "AES_256_GCM_V1"
_DIGEST_KEY_ID = "subject-digest-key"


def _lp(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def aad(tenant: str, agent_id: str, event_id: str, field: str, key_id: str, subject_digest: bytes) -> bytes:
    out = b"".join(_lp(s.encode("utf-8")) for s in (AAD_LABEL, tenant, agent_id, event_id, field, key_id))
    return out + _lp(subject_digest)


class LocalMasterKey:
    """The master key file (64 hex characters) that wraps the store's keys."""

    def __init__(self, path: str):
        with open(path, "r", encoding="ascii") as f:
            text = f.read().strip()
        if len(text) != 64:
            raise ValueError("master key file %s must hold 64 hex characters" % path)
        self._key = bytes.fromhex(text)
        self.id = "local:" + hashlib.sha256(b"attestream/master-key-id/v1" + self._key).hexdigest()[:16]

    @staticmethod
    def _context(tenant: str, key_id: str) -> bytes:
        return b"".join(_lp(s.encode("utf-8")) for s in ("attestream/wrapped-key/v1", tenant, key_id))

    def wrap(self, key: bytes, tenant: str, key_id: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self._key).encrypt(nonce, key, self._context(tenant, key_id))

    def unwrap(self, wrapped: bytes, tenant: str, key_id: str) -> bytes:
        return AESGCM(self._key).decrypt(wrapped[:12], wrapped[12:], self._context(tenant, key_id))


class FileKeyStore:
    """Creates and reads subjects' data keys in the shared directory (never destroys: that is ``attestream erase``)."""

    def __init__(self, root: str, master: LocalMasterKey):
        self._root, self._master = root, master
        self._digest_keys: Dict[str, bytes] = {}
        self._data_keys: Dict[Tuple[str, bytes], Tuple[str, bytes]] = {}

    def _tenant_dir(self, tenant: str) -> str:
        return os.path.join(self._root, hashlib.sha256(tenant.encode("utf-8")).hexdigest())

    def _read_or_create(self, path: str, tenant: str, new_key_id: str, digest: Optional[bytes]) -> Dict[str, Any]:
        try:
            with open(path, "rb") as f:
                return json.loads(f.read())
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(path), exist_ok=True)
        key = os.urandom(32)
        node: Dict[str, Any] = {"format": 1, "tenant": tenant}
        if digest is not None:
            node["subjectDigest"] = digest.hex()
        node.update({"keyId": new_key_id, "masterKeyId": self._master.id,
                     "wrappedKey": base64.b64encode(self._master.wrap(key, tenant, new_key_id)).decode("ascii"),
                     "createdAt": _dt.datetime.now(_dt.timezone.utc).isoformat().replace("+00:00", "Z")})
        tmp = path[:-len(".json")] + "." + os.urandom(8).hex() + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, json.dumps(node, indent=2).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # fails if another process created the key first: use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        with open(path, "rb") as f:
            return json.loads(f.read())

    def _unwrap(self, node: Dict[str, Any], tenant: str, key_id: str) -> bytes:
        if node.get("format") != 1:
            raise ValueError("key file has unknown format %r" % node.get("format"))
        if node.get("masterKeyId") != self._master.id:
            raise ValueError("key file is wrapped by master key %s, not %s" % (node.get("masterKeyId"), self._master.id))
        return self._master.unwrap(base64.b64decode(node["wrappedKey"]), tenant, key_id)

    def subject_digest(self, tenant: str, subject_id: str) -> bytes:
        key = self._digest_keys.get(tenant)
        if key is None:
            path = os.path.join(self._tenant_dir(tenant), "subject-digest-key.json")
            key = self._unwrap(self._read_or_create(path, tenant, _DIGEST_KEY_ID, None), tenant, _DIGEST_KEY_ID)
            self._digest_keys[tenant] = key
        return hmac.new(key, subject_id.encode("utf-8"), hashlib.sha256).digest()

    def data_key_for(self, tenant: str, subject_id: str) -> Tuple[str, bytes, bytes]:
        """(key id, subject digest, key) of the subject, created on first use."""
        digest = self.subject_digest(tenant, subject_id)
        cached = self._data_keys.get((tenant, digest))
        if cached is not None:
            return cached[0], digest, cached[1]
        path = os.path.join(self._tenant_dir(tenant), "subjects", digest.hex() + ".json")
        node = self._read_or_create(path, tenant, str(uuid.uuid4()), digest)
        if node.get("subjectDigest") != digest.hex():
            raise ValueError("key file %s names another subject: the store was altered" % path)
        key = self._unwrap(node, tenant, node["keyId"])
        self._data_keys[(tenant, digest)] = (node["keyId"], key)
        return node["keyId"], digest, key


class Sealer:
    """Seals the fields marked personal of an event's gateway JSON before it leaves the process.

    :param keystore: the shared file key store
    :param fields: paths as in the JVM's ``seal.fields``: ``sessionId``, ``payload.inlinePayload``,
        ``payload.attributes.<key>``
    """

    def __init__(self, keystore: FileKeyStore, fields: List[str]):
        for f in fields:
            if not (f in ("sessionId", "traceId", "spanId") or (f.startswith("payload.") and len(f) > 8)):
                raise ValueError("cannot seal %r: not sessionId, traceId, spanId or payload.<field>" % f)
        self._keys, self._fields = keystore, list(fields)

    @staticmethod
    def _holder(doc: Dict[str, Any], path: str) -> Tuple[Optional[Dict[str, Any]], str]:
        if not path.startswith("payload."):
            return doc, path
        body = next(iter(doc["payload"].values()))
        rest = path[len("payload."):]
        name, _, key = rest.partition(".")
        if not key:
            return body, name
        m = body.get(name)
        return (m if isinstance(m, dict) else None), key

    def seal(self, doc: Dict[str, Any], subject: Optional[str]) -> Dict[str, Any]:
        """A copy of ``doc`` with the present personal fields sealed; ``ValueError`` without a subject."""
        present = [f for f in self._fields if self._value(doc, f) is not None]
        if not present:
            return doc
        if not subject:
            raise ValueError("event %s has personal content in %s but names no subject" % (doc["eventId"], present))
        out = json.loads(json.dumps(doc))
        key_id, digest, key = self._keys.data_key_for(out["tenant"], subject)
        sealed = out.setdefault("sealed", [])
        for f in present:
            holder, name = self._holder(out, f)
            value = holder.pop(name)
            nonce = os.urandom(12)
            ct = AESGCM(key).encrypt(nonce, value.encode("utf-8"),
                                     aad(out["tenant"], out["agentId"], out["eventId"], f, key_id, digest))
            sealed.append({"field": f, "subjectDigest": digest.hex(), "keyId": key_id, "algorithm": ALGORITHM,
                           "nonce": nonce.hex(), "ciphertext": ct.hex()})
        return out

    def _value(self, doc: Dict[str, Any], path: str) -> Optional[str]:
        holder, name = self._holder(doc, path)
        return None if holder is None else holder.get(name)
