#!/usr/bin/env bash
# Stops, starts or restarts one member of the cluster that `make run` (scripts/run-cluster.sh)
# supervises; what `make member-stop ID=2`, `make member-start ID=2` and
# `make member-restart ID=2` run.
#
#   scripts/member.sh stop ID      SIGTERM to the PID in <data>/<ID>.pid; waits until it exits
#   scripts/member.sh start ID     asks run-cluster.sh to start it again; waits for its PID
#   scripts/member.sh restart ID   stop (if it runs), then start
#
# A member is signalled only by the PID its PID file holds, and only after checking that
# this PID is still that member's process (a PID can be reused). Starting goes through the
# running run-cluster.sh, so the member is again its child: reported when it exits, stopped
# by Ctrl-C. Environment: RAFTKV_RUN_DATA (default ./data), as for run-cluster.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

data=${RAFTKV_RUN_DATA:-./data}
action=${1:-}
id=${2:-}
stop_wait_s=15
start_wait_s=10

usage() {
  echo "usage: scripts/member.sh stop|start|restart ID (e.g. make member-stop ID=2)" >&2
  exit 2
}
case "$action" in stop | start | restart) ;; *) usage ;; esac
if ! [[ "$id" =~ ^[1-9][0-9]*$ ]]; then usage; fi

# The PID of member $id if it is running, else nothing.
member_pid() {
  local pid
  pid=$(cat "$data/$id.pid" 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then return 0; fi
  # The PID must still be this member's raftkv process, not a reused PID.
  if ps -o args= -p "$pid" 2>/dev/null | grep -q -- "--id $id --"; then echo "$pid"; fi
}

supervisor_pid() {
  local pid
  pid=$(cat "$data/run-cluster.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

stop_member() {
  local pid
  pid=$(member_pid)
  if [ -z "$pid" ]; then
    echo "member: member $id is not running"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq "$((stop_wait_s * 10))"); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "member: member $id (PID $pid) stopped; log: $data/$id.log"
      return 0
    fi
    sleep 0.1
  done
  echo "member: member $id (PID $pid) did not exit within $stop_wait_s s after SIGTERM;" \
    "see $data/$id.log" >&2
  return 1
}

start_member() {
  local pid
  if [ -z "$(supervisor_pid)" ]; then
    echo "member: no 'make run' is running for $data; start the cluster with make run" >&2
    return 1
  fi
  pid=$(member_pid)
  if [ -n "$pid" ]; then
    echo "member: member $id is already running (PID $pid)"
    return 0
  fi
  touch "$data/$id.start"
  for _ in $(seq "$((start_wait_s * 10))"); do
    pid=$(member_pid)
    if [ -n "$pid" ]; then
      echo "member: member $id started (PID $pid); log: $data/$id.log"
      return 0
    fi
    sleep 0.1
  done
  echo "member: make run did not start member $id within $start_wait_s s; see $data/$id.log" >&2
  return 1
}

case "$action" in
  stop) stop_member ;;
  start) start_member ;;
  restart) stop_member && start_member ;;
esac
