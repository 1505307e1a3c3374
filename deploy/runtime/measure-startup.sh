#!/bin/bash
# Time from process start to GET /ready = 200 of the sink role jar on a running local stack, as a restarted
# container would start: without a class-data archive, with an AppCDS archive (JDK 17, as deploy/docker/start.sh
# does), and on JDK 25 without and with its AOT cache. The sink rejoins as one static group member each time.
#
#   bin/attestream stack up --dir /tmp/startup-stack
#   deploy/runtime/measure-startup.sh /tmp/startup-stack/endpoints.properties 4
#
# Run it on a quiet machine (load < 1.5): it prints the 1-minute load next to every start.
set -u
EP=${1:?usage: measure-startup.sh ENDPOINTS_FILE [RUNS] [ROLE_JAR]}
RUNS=${2:-4}
JAR=${3:-$(dirname "$0")/sink/target/attestream-sink.jar}
J17=${JAVA17:-java}
J25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
W=$(mktemp -d /tmp/measure-startup-XXXX)
PORT=${PORT:-9471}
args=(run --endpoints "$EP" --database startup_bench -D group.id=startup-bench -D metrics.port=$PORT
  -D consumer.group.instance.id=startup-bench-0)
opts=(-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Duser.timezone=UTC)

# one LABEL JAVA [JVM options...]: start, wait for /ready, stop (SIG, default KILL: a crash).
one() {
  local label=$1 java=$2; shift 2
  local t0; t0=$(date +%s%N)
  "$java" "${opts[@]}" "$@" -jar "$JAR" "${args[@]}" > "$W/$label.log" 2>&1 &
  local pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready"; do
    sleep 0.05
    kill -0 $pid 2>/dev/null || { echo "$label: exited before ready, see $W/$label.log"; return 1; }
  done
  echo "$label ready_ms=$(( ($(date +%s%N) - t0) / 1000000 )) load=$(cut -d' ' -f1 /proc/loadavg)"
  kill -"${SIG:-KILL}" $pid; wait $pid 2>/dev/null
  return 0
}
# Training starts, stopped with SIGTERM: the JVM writes the archive / AOT cache as it exits.
SIG=TERM one train-jdk17 "$J17" -XX:ArchiveClassesAtExit="$W/sink17.jsa" || exit 1
if [ -x "$J25" ]; then SIG=TERM one train-jdk25 "$J25" -XX:AOTCacheOutput="$W/sink25.aot" || exit 1; fi
for _ in $(seq 1 "$RUNS"); do
  one jdk17 "$J17"
  one jdk17-appcds "$J17" -Xshare:auto -XX:SharedArchiveFile="$W/sink17.jsa"
  if [ -x "$J25" ]; then
    one jdk25 "$J25"
    one jdk25-aot "$J25" -XX:AOTCache="$W/sink25.aot"
  fi
done
rm -rf "$W"
