#!/usr/bin/env bash
# The plugin host's crossing cost: one Java source connector that does no work of its own
# (bench/java/GeneratorSource.java) on Apache's ConnectStandalone, where its records stay
# in the JVM, and on `tributary standalone`, where every record crosses from the plugin
# host to the runtime (JsonConverter envelope, then Tributary's converter and producer).
# Same worker settings (StringConverter values, no key, offset flush 10 s), same broker.
# Per runner and repetition: records/s from the first record in the topic to the last,
# CPU seconds (user+system of the whole process tree: Tributary and its JVM; Apache's
# JVM) over that window, peak RSS (sum of VmHWM over the tree) and start-up to the first
# record.
#
#   bench/plugin_host_bench.sh [RECORDS] [SIZE] [REPS]     (defaults 1000000 100 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RECORDS=${1:-1000000}
SIZE=${2:-100}
REPS=${3:-2}
tests/lab/lab up kafka >/dev/null
eval "$(tests/lab/lab env)"
scripts/build-plugin-host
cargo build -q --release --bin tributary --example topic_watermark
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plugin=$work/plugins/generator
mkdir -p "$plugin/META-INF/services"
javac -nowarn -cp "$TRIBUTARY_LAB_KAFKA_LIBS/*" -d "$plugin" bench/java/GeneratorSource.java
echo 'dev.tributary.bench.GeneratorSource$Connector' > "$plugin/META-INF/services/org.apache.kafka.connect.source.SourceConnector"

# Every process of the tree under $1 (itself included).
tree() {
  local pid=$1 child
  echo "$pid"
  for child in $(pgrep -P "$pid" || true); do tree "$child"; done
}
# User+system CPU seconds of the tree.
cpu() {
  local total=0 pid ticks
  for pid in $(tree "$1"); do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  echo "scale=2; $total / $(getconf CLK_TCK)" | bc
}
# Sum of peak RSS (MiB) over the tree.
rss() {
  local total=0 pid kb
  for pid in $(tree "$1"); do
    kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + kb))
  done
  echo $((total / 1024))
}

run() {
  local runner=$1 rep=$2
  local topic=bench-plugin-host-$$-$runner-$rep port=$((18190 + rep))
  cat > "$work/worker.properties" <<P
bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$work/$runner-$rep.offsets
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$port
plugin.path=$work/plugins
plugin.discovery=service_load
P
  cat > "$work/source.properties" <<P
name=generator
connector.class=dev.tributary.bench.GeneratorSource\$Connector
topic=$topic
records=$RECORDS
size=$SIZE
P
  local start pid first last cpu0 cpu1
  start=$(date +%s.%N)
  if [ "$runner" = tributary ]; then
    target/release/tributary standalone "$work/worker.properties" "$work/source.properties" > "$work/$runner.log" 2>&1 &
  else
    tests/lab/lab apache-connect standalone "$work/worker.properties" "$work/source.properties" > "$work/$runner.log" 2>&1 &
  fi
  pid=$!
  first=$(target/release/examples/topic_watermark "$KAFKA_BOOTSTRAP_SERVERS" "$topic" 1 "$start")
  cpu0=$(cpu "$pid")
  last=$(target/release/examples/topic_watermark "$KAFKA_BOOTSTRAP_SERVERS" "$topic" "$RECORDS" "$start")
  cpu1=$(cpu "$pid")
  local peak; peak=$(rss "$pid")
  pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  python3 - "$runner" "$rep" "$RECORDS" "$first" "$last" "$cpu0" "$cpu1" "$peak" <<'PY'
import sys
runner, rep, n, first, last, cpu0, cpu1, peak = sys.argv[1], sys.argv[2], int(sys.argv[3]), *map(float, sys.argv[4:8]), sys.argv[8]
window = last - first
print(f"{runner:10} rep {rep}: {(n - 1) / window:>10,.0f} records/s  CPU {cpu1 - cpu0:6.2f} s  "
      f"({(cpu1 - cpu0) / n * 1e6:5.2f} us/record)  peak RSS {peak:>5} MiB  first record {first:5.2f} s")
PY
}

echo "plugin host crossing: $RECORDS records of $SIZE bytes, commit $(git rev-parse --short HEAD)"
for rep in $(seq 1 "$REPS"); do
  run apache "$rep"
  run tributary "$rep"
done
