#!/usr/bin/env bash
# The benchmark: builds the daemon and the harness, then measures the daemon (its own
# process, over gRPC) against docker-java doing the same Docker work directly, in one
# run on this Docker engine, and prints one table of ratios (also written to the file
# given, default bench-results.md). Needs the node images (scripts/build-images.sh).
# Usage: scripts/bench.sh [OUTPUT.md [--only startup,bringup,warm,exec,list,links,thread,recorder,memory,homes,soak] [--rounds N]
#        [--homes N (200)] [--soak-minutes N (10)] [--soak-clients N (32)]]
# homes and soak are not in the default set: they take minutes (the soak 10 min after a 30 s warm-up).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${1:-bench-results.md}
echo "[bench] building (mvn package -DskipTests)"
# One reactor run that builds the modules and writes the harness's class path: a separate
# dependency:build-classpath would look for the sibling modules in ~/.m2, where a fresh clone has none.
mvn -B -q package dependency:build-classpath -DskipTests -pl cirque-bench -am \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime
cp=$(cat cirque-bench/target/bench-classpath.txt)
exec java -cp "cirque-bench/target/classes:$cp" dev.cirque.bench.Bench "${@:2}" --out "$out"
