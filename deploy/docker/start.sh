#!/bin/sh
# Entrypoint of every role image (deploy/docker/Dockerfile): runs the role jar with an application class-data-sharing
# (AppCDS) archive of its own classes when there is one, and otherwise has the JVM write one when it exits
# (docs/operations.md "Start-up": the sink's start to /ready went from 1.6-1.9 s to 1.0-1.1 s on JDK 17). The
# archive lives in ATTESTREAM_CDS_DIR (default /var/lib/attestream, the volume every manifest mounts there, which
# survives a container restart in its pod), is named after the jar's size and time so that an upgraded image never
# maps an old one, and is checked before it is used: one the JVM cannot map (torn by a kill during the dump at
# exit, or written by another JVM) is deleted and written anew. ATTESTREAM_CDS=off runs without.
set -eu
jar=${ATTESTREAM_JAR:-/opt/attestream/attestream.jar}
java=${JAVA:-java}
if [ "${ATTESTREAM_CDS:-on}" = off ]; then
  exec "$java" -jar "$jar" "$@"
fi
dir=${ATTESTREAM_CDS_DIR:-/var/lib/attestream}
archive="$dir/attestream-cds-$(stat -c '%s-%Y' "$jar").jsa"
if [ -s "$archive" ] && ! "$java" -Xshare:on -XX:SharedArchiveFile="$archive" -cp "$jar" -version >/dev/null 2>&1; then
  rm -f "$archive"
fi
if [ -s "$archive" ]; then
  exec "$java" -Xshare:auto -XX:SharedArchiveFile="$archive" -jar "$jar" "$@"
fi
rm -f "$dir"/attestream-cds-*.jsa
exec "$java" -XX:ArchiveClassesAtExit="$archive" -jar "$jar" "$@"
