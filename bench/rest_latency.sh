#!/usr/bin/env bash
# REST latency of `GET /connectors/{name}/status` on `tributary standalone` (release build)
# running the seed's file source, under a loopback load from ApacheBench (`ab`, Debian
# package apache2-utils): 10,000 requests, 10 concurrent. Prints ab's percentiles.
# Usage: bench/rest_latency.sh [REQUESTS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v ab >/dev/null || { echo "ab is missing: apt-get install apache2-utils" >&2; exit 1; }
N=${1:-10000}; C=${2:-10}
tests/lab/lab up kafka >/dev/null
eval "$(tests/lab/lab env)"
cargo build -q --release --bin tributary
dir=$(mktemp -d); port=18095
cat > "$dir/worker.properties" <<P
bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=$dir/connect.offsets
listeners=http://127.0.0.1:$port
P
printf 'name=local-file-source\nconnector.class=FileStreamSource\nfile=%s/source.txt\ntopic=rest-latency\n' "$dir" > "$dir/source.properties"
target/release/tributary standalone "$dir/worker.properties" "$dir/source.properties" > "$dir/worker.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "127.0.0.1:$port/connectors/local-file-source/status" >/dev/null && break; sleep 0.2; done
ab -q -n "$N" -c "$C" "http://127.0.0.1:$port/connectors/local-file-source/status" \
  | grep -E "Requests per second|Failed requests|Non-2xx|^  (50|90|99|100)%"
