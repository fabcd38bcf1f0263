#!/usr/bin/env bash
# Runs a three-member raftkv cluster on loopback in the foreground and supervises it (what
# `make run` runs, after `make build`). Members 1-3 listen for clients on 127.0.0.1:7379,
# 7479 and 7579 and for peers on 7380, 7480 and 7580, keep their data under ./data/1..3 (a
# second run finds the same data) and append their output to ./data/<id>.log.
#
# - A member that exits, for any reason, is reported with its exit status and its log; the
#   others keep running. `make member-start ID=2` (scripts/member.sh) asks this script to
#   start it again, so every member stays a child of this script.
# - While a member runs, ./data/<id>.pid holds its PID; scripts/member.sh stops a member by
#   that PID only. ./data/run-cluster.pid holds this script's PID.
# - Ctrl-C (SIGINT), SIGTERM or SIGHUP stops every member by PID with SIGTERM (they drain),
#   waits for them, escalates to SIGKILL after 10 s, and exits with status 0. So does the end
#   of whatever started this script (make, a test): the cluster never outlives its owner.
#
# Environment: RAFTKV_BIN (default dist/src/main.js), RAFTKV_RUN_DATA (default ./data),
# RAFTKV_RUN_CLIENT_PORTS (default "7379 7479 7579"), RAFTKV_RUN_PEER_PORTS (default
# "7380 7480 7580"). Members also read any RAFTKV_* setting from the environment (for
# example RAFTKV_TICK_MS); the flags given here win over it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=${RAFTKV_BIN:-dist/src/main.js}
data=${RAFTKV_RUN_DATA:-./data}
read -r -a client_ports <<<"${RAFTKV_RUN_CLIENT_PORTS:-7379 7479 7579}"
read -r -a peer_ports <<<"${RAFTKV_RUN_PEER_PORTS:-7380 7480 7580}"
ids=(1 2 3)
poll_s=0.2
# scripts/member.sh needs the same data directory: messages say so when it is not the default.
make_env=""
if [ "$data" != "./data" ]; then make_env="RAFTKV_RUN_DATA=$data "; fi

if [ "${#client_ports[@]}" -ne 3 ] || [ "${#peer_ports[@]}" -ne 3 ]; then
  echo "run-cluster: RAFTKV_RUN_CLIENT_PORTS and RAFTKV_RUN_PEER_PORTS need 3 ports each" >&2
  exit 1
fi
if [ ! -f "$bin" ]; then
  echo "run-cluster: $bin is missing; build first (make build)" >&2
  exit 1
fi
mkdir -p "$data"
if [ -f "$data/run-cluster.pid" ] && kill -0 "$(cat "$data/run-cluster.pid")" 2>/dev/null; then
  echo "run-cluster: another run (PID $(cat "$data/run-cluster.pid")) is using $data" >&2
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

# pids[i] is the PID of member ids[i] while it runs, and "" while it does not.
pids=("" "" "")

start_member() {
  local i=$1
  local id=${ids[$i]}
  mkdir -p "$data/$id"
  rm -f "$data/$id.start"
  echo "--- run-cluster: starting member $id at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$data/$id.log"
  node --enable-source-maps "$bin" \
    --id "$id" \
    --listen-client "127.0.0.1:${client_ports[$i]}" \
    --listen-peer "127.0.0.1:${peer_ports[$i]}" \
    --data-dir "$data/$id" \
    --initial-cluster "$initial_cluster" \
    >>"$data/$id.log" 2>&1 &
  pids[i]=$!
  echo "${pids[$i]}" >"$data/$id.pid"
}

# Says how a member ended; bash reports death by signal N as status 128+N.
report_exit() {
  local id=$1 pid=$2 status=$3 how
  how="exited with status $status"
  if [ "$status" -gt 128 ]; then how+=" (killed by SIG$(kill -l "$((status - 128))"))"; fi
  echo "run-cluster: member $id (PID $pid) $how; log: $data/$id.log." \
    "The others keep running; '${make_env}make member-start ID=$id' starts it again." >&2
}

stop_members() {
  trap - INT TERM HUP
  local running=()
  for pid in "${pids[@]}"; do if [ -n "$pid" ]; then running+=("$pid"); fi; done
  echo
  echo "run-cluster: stopping the cluster (SIGTERM to PIDs ${running[*]:-none})"
  for pid in "${running[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${running[@]}"; do if kill -0 "$pid" 2>/dev/null; then alive=1; fi; done
    if [ "$alive" -eq 0 ]; then break; fi
    sleep 0.1
  done
  for pid in "${running[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "run-cluster: PID $pid did not exit within 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  for id in "${ids[@]}"; do rm -f "$data/$id.pid" "$data/$id.start"; done
  rm -f "$data/run-cluster.pid"
  echo "run-cluster: stopped; data kept under $data"
}
trap 'stop_members; exit 0' INT TERM HUP
parent=$PPID

echo "$$" >"$data/run-cluster.pid"
for i in "${!ids[@]}"; do start_member "$i"; done

echo "raftkv: three members on loopback, data and logs under $data"
for i in "${!ids[@]}"; do
  echo "  member ${ids[$i]}: client 127.0.0.1:${client_ports[$i]}  peer 127.0.0.1:${peer_ports[$i]}" \
    " log $data/${ids[$i]}.log  PID ${pids[$i]}"
done
cat <<EOF

Talk to any member (any member accepts any call; values are base64 in grpcurl's JSON):
  grpcurl -plaintext -d '{"key":"hello","value":"d29ybGQ="}' 127.0.0.1:${client_ports[0]} raftkv.kv.v1.KV/Put
  grpcurl -plaintext -d '{"key":"hello"}' 127.0.0.1:${client_ports[1]} raftkv.kv.v1.KV/Get
  grpcurl -plaintext 127.0.0.1:${client_ports[2]} raftkv.cluster.v1.Cluster/Status

Stop one member and start it again, from another terminal (the others keep serving):
  ${make_env}make member-stop ID=2
  ${make_env}make member-start ID=2
  ${make_env}make member-restart ID=2     (both)

Ctrl-C stops the whole cluster; the data stays for the next make run.
EOF

# Supervise: stop when our starter is gone; report members that exit (the others keep
# running); start a member again when scripts/member.sh asks with $data/<id>.start.
while :; do
  if ! kill -0 "$parent" 2>/dev/null; then
    echo "run-cluster: the process that started me (PID $parent) is gone" >&2
    stop_members
    exit 0
  fi
  for i in "${!ids[@]}"; do
    id=${ids[$i]}
    pid=${pids[$i]}
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      status=0
      wait "$pid" || status=$?
      pids[i]=""
      rm -f "$data/$id.pid"
      report_exit "$id" "$pid" "$status"
    fi
    if [ -e "$data/$id.start" ]; then
      rm -f "$data/$id.start"
      if [ -n "${pids[$i]}" ]; then
        echo "run-cluster: member $id is already running (PID ${pids[$i]})"
      else
        start_member "$i"
        echo "run-cluster: member $id started again (PID ${pids[$i]}); log: $data/$id.log"
      fi
    fi
  done
  sleep "$poll_s"
done
