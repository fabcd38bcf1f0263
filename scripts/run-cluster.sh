#!/usr/bin/env bash
# Starts a three-member raftkv cluster on loopback in the foreground (what `make run` runs,
# after `make build`). Members 1-3 listen for clients on 127.0.0.1:7379/7479/7579 and for
# peers on 7380/7480/7580, keep their data under ./data/1 ./data/2 ./data/3 (so a second run
# finds the same data), and log to ./data/<id>.log. Ctrl-C (or SIGTERM) stops them by
# PID with SIGTERM, waits for each to exit, and escalates to SIGKILL after 10 s.
#
# Environment: RAFTKV_BIN (default dist/src/main.js), RAFTKV_RUN_DATA (default ./data).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=${RAFTKV_BIN:-dist/src/main.js}
data=${RAFTKV_RUN_DATA:-./data}
ids=(1 2 3)
client_ports=(7379 7479 7579)
peer_ports=(7380 7480 7580)

if [ ! -f "$bin" ]; then
  echo "run-cluster: $bin is missing; build first (make build)" >&2
  exit 1
fi

for port in "${client_ports[@]}" "${peer_ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run-cluster: 127.0.0.1:$port is already in use (another raftkv running?)" >&2
    exit 1
  fi
done

initial_cluster=""
for i in "${!ids[@]}"; do
  initial_cluster+="${initial_cluster:+,}${ids[$i]}=127.0.0.1:${peer_ports[$i]}"
done

pids=()
stop_members() {
  trap - INT TERM
  echo
  echo "run-cluster: stopping members (SIGTERM to PIDs ${pids[*]:-none})"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "run-cluster: PID $pid did not exit within 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  echo "run-cluster: stopped; data kept under $data"
}
trap 'stop_members; exit 130' INT
trap 'stop_members; exit 143' TERM

for i in "${!ids[@]}"; do
  id=${ids[$i]}
  mkdir -p "$data/$id"
  node --enable-source-maps "$bin" \
    --id "$id" \
    --listen-client "127.0.0.1:${client_ports[$i]}" \
    --listen-peer "127.0.0.1:${peer_ports[$i]}" \
    --data-dir "$data/$id" \
    --initial-cluster "$initial_cluster" \
    >>"$data/$id.log" 2>&1 &
  pids+=("$!")
done

echo "raftkv: three members on loopback (PIDs ${pids[*]}), data under $data/{1,2,3}"
for i in "${!ids[@]}"; do
  echo "  member ${ids[$i]}: client 127.0.0.1:${client_ports[$i]}  peer 127.0.0.1:${peer_ports[$i]}  log $data/${ids[$i]}.log"
done
cat <<EOF

Try (any member accepts any call; values are base64 in grpcurl's JSON):
  grpcurl -plaintext -d '{"key":"hello","value":"d29ybGQ="}' 127.0.0.1:7379 raftkv.kv.v1.KV/Put
  grpcurl -plaintext -d '{"key":"hello"}' 127.0.0.1:7479 raftkv.kv.v1.KV/Get
  grpcurl -plaintext 127.0.0.1:7579 raftkv.cluster.v1.Cluster/Status

Ctrl-C stops the cluster.
EOF

# Stay in the foreground; if a member dies on its own, say so and stop the others.
while :; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      status=0
      wait "${pids[$i]}" || status=$?
      echo "run-cluster: member ${ids[$i]} (PID ${pids[$i]}) exited with status $status; see $data/${ids[$i]}.log" >&2
      stop_members
      exit 1
    fi
  done
  sleep 1
done
