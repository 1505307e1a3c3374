#!/usr/bin/env bash
# Measures the resident set size (ps -o rss) of each role jar of deploy/runtime while it runs against the local
# stack under a small steady load through the gateway; the manifests' memory requests come from these figures
# (docs/operations.md, "Resources"). Run from the checkout root, after
#   ./mvnw -pl deploy/runtime -am package -DskipTests
#   ./mvnw -pl deploy/local-stack -am install -DskipTests
#   ./mvnw -q -pl deploy/local-stack dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
# Usage: deploy/k8s/measure-rss.sh [SECONDS_OF_LOAD]   (default 90). Prints one line per role, in KiB and MiB.
# The stack runs on ports 193xx so that it does not collide with a stack on the default ports.
set -euo pipefail
LOAD_SECONDS=${1:-90}
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/attestream-rss.XXXXXX)
JAVA=${JAVA:-java}
JAR() { echo "$ROOT/deploy/runtime/$1/target/attestream-$1.jar"; }
STACK_CP="$ROOT/deploy/local-stack/target/classes:$(cat "$ROOT/deploy/local-stack/target/classpath.txt")"
STACK=("$JAVA" -cp "$STACK_CP" io.attestream.deploy.stack.StackCommand)
STACK_OPTS=(--dir "$WORK/stack" --kafka-port 19392 --kafka-controller-port 19393 --registry-port 19381
  --registry-management-port 19391 --clickhouse-port 19323)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 3
  "${STACK[@]}" down "${STACK_OPTS[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"${STACK[@]}" up "${STACK_OPTS[@]}" >"$WORK/stack-up.log" 2>&1
B=127.0.0.1:19392
R=http://127.0.0.1:19381/apis/ccompat/v7

# Keys: the chainer's Ed25519 signing key (PKCS#8 PEM) and its signed-note vkey; the witness's key.
openssl genpkey -algorithm ed25519 -out "$WORK/chainer.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$WORK/witness.key" 2>/dev/null
python3 - "$WORK" <<'PY'
import base64, hashlib, subprocess, sys
work = sys.argv[1]
der = subprocess.run(["openssl", "pkey", "-in", work + "/chainer.key", "-pubout", "-outform", "DER"],
                     capture_output=True, check=True).stdout
pub = der[-32:]
name = "rss-chainer"
key_hash = hashlib.sha256(name.encode() + b"\n" + b"\x01" + pub).digest()[:4].hex()
open(work + "/chainer.vkey", "w").write(name + "+" + key_hash + "+" + base64.b64encode(b"\x01" + pub).decode() + "\n")
PY
"$JAVA" -jar "$(JAR witness)" --key "$WORK/witness.key" --name rss-witness --print-vkey >"$WORK/witness.vkey"

HASH=$("$JAVA" -jar "$(JAR gateway)" --hash-key rss-key)
echo "rss $HASH * *" >"$WORK/api-keys"
cat >"$WORK/gateway.properties" <<P
bootstrap.servers=$B
schema.registry.url=$R
auto.register.schemas=true
gateway.listen.host=127.0.0.1
gateway.listen.port=19388
gateway.api.keys.file=$WORK/api-keys
P
cat >"$WORK/chainer.properties" <<P
application.id=rss-chainer
bootstrap.servers=$B
schema.registry.url=$R
state.dir=$WORK/chainer-state
chainer.signing.key.file=$WORK/chainer.key
chainer.signing.key.name=rss-chainer
chainer.tsa.mode=embedded
chainer.tsa.embedded.dir=$WORK/tsa
chainer.schemas.auto.register=true
P
cat >"$WORK/drift.properties" <<P
application.id=rss-drift
bootstrap.servers=$B
schema.registry.url=$R
state.dir=$WORK/drift-state
P
cat >"$WORK/sink.properties" <<P
bootstrap.servers=$B
schema.registry.url=$R
clickhouse.url=jdbc:clickhouse://127.0.0.1:19323
clickhouse.database=rss
P
start() { # role, args...
  local role=$1; shift
  (cd "$WORK" && exec "$JAVA" -Duser.timezone=UTC -Djava.io.tmpdir="$WORK" -jar "$(JAR "$role")" "$@" \
    >"$WORK/$role.log" 2>&1) &
  PIDS+=($!)
  eval "PID_${role//-/_}=$!"
}
# The embedded development TSA needs its identity directory: let dev-tsa's TsaCommand (inside the chainer jar)
# generate it, then stop it.
cat >"$WORK/TsaInit.java" <<'J'
public class TsaInit {
    public static void main(String[] args) {
        new picocli.CommandLine(new io.attestream.dev.tsa.TsaCommand()).execute("--dir", args[0], "--port", "0");
    }
}
J
"$JAVA" -cp "$(JAR chainer)" "$WORK/TsaInit.java" "$WORK/tsa" >"$WORK/tsa-init.log" 2>&1 &
TSA_INIT=$!
for _ in $(seq 1 60); do [ -f "$WORK/tsa/tsa-ca.crt" ] && break; sleep 1; done
kill "$TSA_INIT"; wait "$TSA_INIT" 2>/dev/null || true

# The input topic (the chainer creates its outputs): 4 partitions, replication 1 on the one local broker.
cat >"$WORK/TopicInit.java" <<'J'
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
public class TopicInit {
    public static void main(String[] args) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
            admin.createTopics(List.of(new NewTopic("attestream.events", 4, (short) 1))).all().get();
        }
    }
}
J
"$JAVA" -cp "$(JAR chainer)" "$WORK/TopicInit.java" "$B" >"$WORK/topic-init.log" 2>&1

start gateway --config "$WORK/gateway.properties"
start chainer --config "$WORK/chainer.properties"
start sink run --config "$WORK/sink.properties"
start witness --key "$WORK/witness.key" --name rss-witness --dir "$WORK/witness" \
  --log "attestream/*=$WORK/chainer.vkey" --host 127.0.0.1 --port 19390
# The drift detector and the submitter read the chainer's output topics: start them once the chainer runs.
for _ in $(seq 1 120); do grep -q "RUNNING" "$WORK/chainer.log" 2>/dev/null && break; sleep 1; done
start drift --config "$WORK/drift.properties"
start witness-submit --bootstrap-servers "$B" --registry-url "$R" --witness "http://127.0.0.1:19390=$WORK/witness.vkey" \
  --state-dir "$WORK/submitter"
for _ in $(seq 1 60); do
  (echo > /dev/tcp/127.0.0.1/19388) 2>/dev/null && break; sleep 1
done
sleep 10

# Load: batches of 100 events from 20 agents, about 500 events/s, for LOAD_SECONDS.
python3 - "$LOAD_SECONDS" <<'PY'
import json, sys, time, urllib.request, uuid, datetime
end = time.time() + float(sys.argv[1])
sent = failed = 0
while time.time() < end:
    t0 = time.time()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lines = []
    for i in range(100):
        lines.append(json.dumps({"eventId": str(uuid.uuid4()), "tenant": "acme", "agentId": "agent-%02d" % (i % 20),
            "agentVersion": "1.0.0", "occurredAt": now,
            "payload": {"EvalResult": {"suite": "rss", "evalName": "e1", "metric": "accuracy",
                                       "value": 0.9 + (i % 7) / 100.0, "evaluatorKind": "MODEL"}}}))
    req = urllib.request.Request("http://127.0.0.1:19388/v1/events", data="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson", "Authorization": "Bearer rss-key"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
        sent += 100
    except Exception as e:
        failed += 1
        if failed <= 3:
            print("load: request failed:", e, getattr(e, "read", lambda: b"")()[:300], file=sys.stderr)
    time.sleep(max(0.0, 0.2 - (time.time() - t0)))
print("load: %d events accepted, %d requests failed" % (sent, failed))
PY
for role in gateway chainer drift sink witness witness-submit; do
  var="PID_${role//-/_}"
  pid=${!var}
  if kill -0 "$pid" 2>/dev/null; then
    rss=$(ps -o rss= -p "$pid" | tr -d ' ')
    echo "$role rss_kib=$rss rss_mib=$((rss / 1024))"
  else
    echo "$role NOT RUNNING (log: $WORK/$role.log)"; tail -5 "$WORK/$role.log"
  fi
done
echo "uptime: $(uptime)"
echo "work dir: $WORK"
