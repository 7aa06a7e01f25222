#!/usr/bin/env bash
# REST latency of the `tributary rest` sidecar on the lab (kube-apiserver + Kafka), debug
# build (no release builds on the shared 2-core machine):
#  - status reads: `GET /connectors/{name}/status` with ApacheBench (`ab`, Debian package
#    apache2-utils), READS requests, 1 then 10 concurrent;
#  - creates: CREATES sequential `POST /connectors` of FileStreamSource connectors, each
#    timed by curl (`%{time_total}`), percentiles computed here.
# Every request goes to the API server (no cache in the sidecar). No workers run: the
# connectors stay UNASSIGNED, which reads the same resource as a RUNNING one.
# Usage: bench/rest_sidecar_latency.sh [READS] [CREATES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v ab >/dev/null || { echo "ab is missing: apt-get install apache2-utils" >&2; exit 1; }
READS=${1:-5000}; CREATES=${2:-200}
tests/lab/lab up >/dev/null
eval "$(tests/lab/lab env)"
cargo build -q --bin tributary
bin=${CARGO_TARGET_DIR:-target}/debug/tributary
ns="rest-bench-$$"; dir=$(mktemp -d); port=18097
kubectl apply --server-side --force-conflicts -f crds/tributary.dev.yaml >/dev/null
kubectl create namespace "$ns" >/dev/null
printf 'bootstrap.servers=%s\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\n' \
  "$KAFKA_BOOTSTRAP_SERVERS" > "$dir/worker.properties"
"$bin" rest --namespace "$ns" --cluster bench --listen "127.0.0.1:$port" \
  --worker-config "$dir/worker.properties" > "$dir/rest.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; kubectl delete namespace "$ns" --wait=false >/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
body() { printf '{"name":"%s","config":{"connector.class":"FileStreamSource","tasks.max":"1","file":"/tmp/in.txt","topic":"bench"}}' "$1"; }
curl -fs -o /dev/null -H 'Content-Type: application/json' -d "$(body probe)" "127.0.0.1:$port/connectors"

for c in 1 10; do
  echo "status reads: $READS requests, $c concurrent"
  ab -q -n "$READS" -c "$c" "http://127.0.0.1:$port/connectors/probe/status" \
    | grep -E "Requests per second|Failed requests|Non-2xx|^  (50|90|99|100)%"
done

echo "creates: $CREATES sequential POST /connectors"
for i in $(seq 1 "$CREATES"); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
    -d "$(body "c-$i")" "127.0.0.1:$port/connectors"
done > "$dir/creates.txt"
awk '$1 != 201 { bad++ } END { print "non-201:", bad + 0 }' "$dir/creates.txt"
cut -d' ' -f2 "$dir/creates.txt" | sort -n | awk '{ v[NR] = $1 } END {
  printf "p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
    v[int(NR*0.50)]*1000, v[int(NR*0.90)]*1000, v[int(NR*0.99)]*1000, v[NR]*1000 }'
