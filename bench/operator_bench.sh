#!/usr/bin/env bash
# Operator figures on the lab (real kube-apiserver + Kafka), printed as one line each:
#   1. apply -> RUNNING: a KafkaConnector (FileStreamSource, tasksMax 1) created with
#      kubectl until its status says RUNNING with its task RUNNING on the assigned worker
#      (two live `tributary worker` processes); RUNS times, median.
#   2. failover: `kill -9` of the worker running that task until the task is RUNNING on
#      the other worker; RUNS times (the killed worker is restarted between runs), median.
#      Worker lease: the worker's defaults (leaseDurationSeconds 10, renewal every 2 s,
#      self-fencing after 7 s without renewal); the controller re-checks leases every 2 s.
#   3. scale: a fresh operator process, one KafkaConnect, three worker Leases held by this
#      script (no worker processes, so connectors are assigned but never run), then SCALE
#      KafkaConnectors created at once: the time until every one has the controller's
#      status (observedGeneration, Ready condition, placement), the mean duration of one
#      steady-state assignment round over all of them (from /metrics), and the operator's
#      peak RSS (VmHWM).
# Processes are played as in the tests: local processes with the pod's environment.
# Usage: bench/operator_bench.sh [RUNS] [SCALE]      (defaults: 7 500)
# TRIBUTARY_BIN selects the binary (default: target/debug/tributary, built here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${1:-7}
SCALE=${2:-500}
tests/lab/lab up >/dev/null
eval "$(tests/lab/lab env)"
if [[ -z "${TRIBUTARY_BIN:-}" ]]; then
  cargo build -q --bin tributary
  TRIBUTARY_BIN=$PWD/target/debug/tributary
fi
kubectl apply --server-side --force-conflicts -f crds/tributary.dev.yaml >/dev/null
kubectl wait --for=condition=Established --timeout=60s \
  crd/kafkaconnects.tributary.dev crd/kafkaconnectors.tributary.dev >/dev/null

stamp=$(date +%s%N)
dir=$(mktemp -d)
ns=operator-bench-$stamp
ns_scale=operator-scale-$stamp
pids=()
declare -A worker_pid
cleanup() {
  for pid in "${pids[@]}" "${worker_pid[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  kubectl delete namespace "$ns" "$ns_scale" --wait=false >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
kc() { kubectl -n "$1" "${@:2}"; }

start_operator() { # namespace port
  POD_NAME=bench-operator POD_NAMESPACE=$1 TRIBUTARY_WATCH_NAMESPACE=$1 \
    TRIBUTARY_OPERATOR_LISTEN=127.0.0.1:$2 RUST_LOG=warn NO_COLOR=1 \
    "$TRIBUTARY_BIN" operator >"$dir/operator-$1.log" 2>&1 &
  pids+=($!)
  disown
  for _ in $(seq 1 100); do curl -fs "127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "operator did not become ready; log: $(cat "$dir/operator-$1.log")" >&2; exit 1
}

# Worker bench-worker-N serves /readyz (lease held, connectors listed) on port 18190+N.
worker_port() { echo $((18190 + ${1##*-})); }
start_worker() { # pod
  POD_NAME=$1 POD_NAMESPACE=$ns TRIBUTARY_CLUSTER=bench \
    TRIBUTARY_WORKER_CONFIG=$dir/worker.properties TRIBUTARY_WORKER_LISTEN=127.0.0.1:$(worker_port "$1") \
    TRIBUTARY_OFFSETS_FILE=$dir/$1.offsets RUST_LOG=info NO_COLOR=1 \
    "$TRIBUTARY_BIN" worker >>"$dir/$1.log" 2>&1 &
  worker_pid[$1]=$!
  disown # no "Killed" notice from bash when the benchmark kills it
}
workers_ready() {
  for w in bench-worker-0 bench-worker-1; do
    curl -fs "127.0.0.1:$(worker_port $w)/readyz" >/dev/null || return 1
  done
}

cluster_yaml() { # name
  printf 'apiVersion: tributary.dev/v1alpha1\nkind: KafkaConnect\nmetadata: {name: %s}\nspec: {replicas: 2, bootstrapServers: "%s"}\n' \
    "$1" "$KAFKA_BOOTSTRAP_SERVERS"
}

source_yaml() { # name cluster file topic
  printf -- '---\napiVersion: tributary.dev/v1alpha1\nkind: KafkaConnector\nmetadata: {name: %s, labels: {tributary.dev/cluster: %s}}\nspec: {class: FileStreamSource, tasksMax: 1, config: {file: "%s", topic: "%s"}}\n' \
    "$1" "$2" "$3" "$4"
}

# "<connector state> <task 0 state> <task 0 worker> <assigned worker of task 0>"
task_view() { # connector
  kc "$ns" get kafkaconnector "$1" -o \
    'jsonpath={.status.connectorStatus.connector.state} {.status.connectorStatus.tasks[?(@.id==0)].state} {.status.connectorStatus.tasks[?(@.id==0)].worker_id} {.status.taskAssignment.0}' 2>/dev/null || true
}

# --- 1 and 2: two real workers -------------------------------------------------------
kubectl create namespace "$ns" >/dev/null
cat >"$dir/worker.properties" <<P
bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.flush.interval.ms=1000
offset.storage.topic=bench-$stamp-offsets
offset.storage.partitions=1
offset.storage.replication.factor=1
P
start_operator "$ns" 18181
cluster_yaml bench | kc "$ns" create -f - >/dev/null
start_worker bench-worker-0
start_worker bench-worker-1
until workers_ready; do sleep 0.2; done

latencies=()
for i in $(seq 1 "$RUNS"); do
  touch "$dir/lat-$i.txt"
  t0=$(now)
  source_yaml "lat-$i" bench "$dir/lat-$i.txt" "bench-$stamp-lat" | kc "$ns" create -f - >/dev/null
  until read -r c t w a <<<"$(task_view "lat-$i")" && [[ $c == RUNNING && $t == RUNNING && -n $w && $w == "$a" ]]; do
    sleep 0.05
  done
  latencies+=("$(echo "$(now) - $t0" | bc)")
  kc "$ns" delete kafkaconnector "lat-$i" --wait=false >/dev/null
  sleep 1
done
echo "apply->RUNNING (s): median $(printf '%s\n' "${latencies[@]}" | median) over $RUNS: ${latencies[*]}"

touch "$dir/failover.txt"
source_yaml failover bench "$dir/failover.txt" "bench-$stamp-failover" | kc "$ns" create -f - >/dev/null
failovers=()
for i in $(seq 1 "$RUNS"); do
  # Both workers live and the task RUNNING where it is assigned.
  until workers_ready && read -r c t w a <<<"$(task_view failover)" && [[ $c == RUNNING && $t == RUNNING && -n $w && $w == "$a" ]]; do
    sleep 0.2
  done
  victim=$w
  kill -9 "${worker_pid[$victim]}"
  t0=$(now)
  until read -r c t w a <<<"$(task_view failover)" && [[ $t == RUNNING && -n $w && $w != "$victim" && $w == "$a" ]]; do
    sleep 0.05
  done
  failovers+=("$(echo "$(now) - $t0" | bc)")
  start_worker "$victim"
done
echo "failover after kill -9 (s): median $(printf '%s\n' "${failovers[@]}" | median) over $RUNS: ${failovers[*]}"

# --- 3: scale --------------------------------------------------------------------------
kubectl create namespace "$ns_scale" >/dev/null
start_operator "$ns_scale" 18182
operator_pid=${pids[-1]}
cluster_yaml scale | kc "$ns_scale" create -f - >/dev/null
renew=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
for w in 0 1 2; do
  printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: scale-worker-%s, labels: {tributary.dev/cluster: scale, app.kubernetes.io/component: worker}}\nspec: {holderIdentity: scale-worker-%s, leaseDurationSeconds: 3600, renewTime: "%s"}\n' \
    "$w" "$w" "$renew"
done | kc "$ns_scale" create -f - >/dev/null
for i in $(seq 1 "$SCALE"); do source_yaml "c-$i" scale "/nonexistent/$i" "t-$i"; done >"$dir/scale.yaml"
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$operator_pid/status")
t0=$(now)
kc "$ns_scale" create -f "$dir/scale.yaml" >/dev/null
created=$(echo "$(now) - $t0" | bc)
statused() {
  kc "$ns_scale" get kafkaconnectors -o \
    'jsonpath={range .items[*]}{.metadata.generation}={.status.observedGeneration}:{.status.conditions[0].reason}:{.status.connectorWorker}{"\n"}{end}' \
    | awk -F'[=:]' '$1==$2 && $3=="Starting" && $4!=""' | wc -l
}
until [[ $(statused) -ge $SCALE ]]; do sleep 0.2; done
all=$(echo "$(now) - $t0" | bc)
metric() { # name -> value of the KafkaConnector series
  curl -fs 127.0.0.1:18182/metrics | awk -v n="$1" '$1 ~ "^"n"\\{" && /kind="KafkaConnector"/ {print $2}'
}
# Let the rounds triggered by the status writes themselves pass, then watch 30 s of rounds
# with nothing to write (a periodic round every 2 s, as leases expire silently).
sleep 15
s1=$(metric tributary_operator_reconcile_duration_seconds_sum); c1=$(metric tributary_operator_reconcile_duration_seconds_count)
cpu1=$(awk '{print $14 + $15}' "/proc/$operator_pid/stat")
sleep 30
s2=$(metric tributary_operator_reconcile_duration_seconds_sum); c2=$(metric tributary_operator_reconcile_duration_seconds_count)
cpu2=$(awk '{print $14 + $15}' "/proc/$operator_pid/stat")
round=$(echo "scale=3; ($s2 - $s1) / ($c2 - $c1)" | bc)
cpu=$(echo "scale=3; ($cpu2 - $cpu1) / $(getconf CLK_TCK) / 30" | bc)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$operator_pid/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$operator_pid/status")
echo "scale: $SCALE KafkaConnectors on 3 leased workers (no worker processes): kubectl create took ${created} s; every status written ${all} s after the create began ($(echo "$all - $created" | bc) s after it returned)"
echo "scale: steady-state assignment round over $SCALE connectors: mean ${round} s ($((${c2%.*} - ${c1%.*})) rounds in 30 s); operator CPU ${cpu} cores on average meanwhile"
echo "scale: operator RSS before ${rss_before} KiB, after ${rss} KiB, peak (VmHWM) ${hwm} KiB"
