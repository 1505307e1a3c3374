import json
import os
import subprocess
import sys

import pytest

import attestream
from conftest import REPO

cryptography = pytest.importorskip("cryptography")
from attestream import sealing  # noqa: E402

VECTORS = os.path.join(REPO, "sealing", "src", "test", "resources", "vectors", "sealed-field-vectors.json")


def test_aad_and_ciphertext_match_the_documented_vector():
    with open(VECTORS, encoding="utf-8") as f:
        v = json.load(f)[0]
    digest = bytes.fromhex(v["subjectDigest"])
    a = sealing.aad(v["tenant"], v["agentId"], v["eventId"], v["field"], v["keyId"], digest)
    assert a.hex() == v["aad"]
    ct = sealing.AESGCM(bytes.fromhex(v["dataKey"])).encrypt(bytes.fromhex(v["nonce"]), v["cleartext"].encode(), a)
    assert ct.hex() == v["ciphertext"]


def test_sealer_removes_the_cleartext_and_refuses_personal_content_without_subject(tmp_path):
    master = tmp_path / "master.key"
    master.write_text(os.urandom(32).hex() + "\n")
    store = sealing.FileKeyStore(str(tmp_path / "keys"), sealing.LocalMasterKey(str(master)))
    sealer = sealing.Sealer(store, ["payload.inlinePayload", "payload.attributes.user_prompt", "sessionId"])
    e = attestream.Event("acme", "support-bot", "1.0", attestream.AgentAction(
        operation="CHAT", status="OK", inline_payload="Anna M\u00fcller wants a refund",
        attributes={"user_prompt": "refund please", "region": "eu"}), session_id="conv-1", subject="anna")
    doc = sealer.seal(e.to_json(), e.subject)
    text = json.dumps(doc, ensure_ascii=False)
    assert "Anna" not in text and "refund please" not in text and "conv-1" not in text and "anna" not in text
    assert [s["field"] for s in doc["sealed"]] == ["payload.inlinePayload", "payload.attributes.user_prompt",
                                                   "sessionId"]
    assert doc["payload"]["AgentAction"]["attributes"] == {"region": "eu"}
    # one key per subject: a second event reuses it, a second store on the same directory too
    again = sealing.FileKeyStore(str(tmp_path / "keys"), sealing.LocalMasterKey(str(master)))
    assert again.data_key_for("acme", "anna")[0] == doc["sealed"][0]["keyId"]
    with pytest.raises(ValueError, match="names no subject"):
        sealer.seal(e.to_json(), None)
    plain = attestream.Event("acme", "support-bot", "1.0", attestream.AgentAction(operation="CHAT", status="OK"))
    assert sealer.seal(plain.to_json(), None) == plain.to_json()
