#!/usr/bin/env bash
# First figure for issue 3: 1 million 100-byte lines, file → topic, through
# `tributary standalone` (release build) with StringConverter on the lab broker.
# Prints records/s from worker start to the last record acknowledged by the broker.
# Usage: bench/file_source_throughput.sh [LINES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LINES=${1:-1000000}
tests/lab/lab up kafka >/dev/null
eval "$(tests/lab/lab env)"
cargo build -q --release --bin tributary --example topic_watermark
dir=$(mktemp -d)
topic=bench-file-source-$$-$RANDOM
python3 - "$dir/source.txt" "$LINES" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
line = ("x" * 92)
with open(path, "w") as f:
    for i in range(n):
        f.write(f"{i:07d}{line}\n")  # 7 + 92 + 1 = 100 bytes
PY
cat > "$dir/worker.properties" <<P
bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$dir/connect.offsets
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:18093
P
cat > "$dir/source.properties" <<P
name=bench-source
connector.class=FileStreamSource
file=$dir/source.txt
topic=$topic
P
start=$(date +%s.%N)
target/release/tributary standalone "$dir/worker.properties" "$dir/source.properties" > "$dir/worker.log" 2>&1 &
pid=$!
secs=$(target/release/examples/topic_watermark "$KAFKA_BOOTSTRAP_SERVERS" "$topic" "$LINES" "$start")
rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill $pid; wait $pid || true
python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2]); print(f'{n} records of 100 bytes in {s:.2f} s: {n/s:,.0f} records/s, {n*100/s/1e6:.1f} MB/s; peak RSS {int(sys.argv[3])/1024:.0f} MiB')" "$LINES" "$secs" "$rss"
rm -rf "$dir"
