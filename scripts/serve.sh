#!/usr/bin/env bash
# make serve / make serve-stop: a production-shaped Dagster on this machine (docs/operations.md, "Services").
# PostgreSQL storage (scripts/postgres.sh), the code location as a gRPC code server, dagster-webserver and ONE
# dagster-daemon, each in the background with a pid file and a log under NMG_SERVE_HOME (dagster_home/prod/).
#
#   scripts/serve.sh start | stop | status
#
# Environment: NMG_SERVE_HOME (DAGSTER_HOME of the services; default dagster_home/prod), NMG_WEBSERVER_HOST
# (127.0.0.1; 0.0.0.0 to serve other machines), NMG_WEBSERVER_PORT (3000), DAGSTER_CODE_SERVER_HOST (127.0.0.1),
# DAGSTER_CODE_SERVER_PORT (4266), NMG_SERVE_WAIT (seconds to wait for each server, 180), the DAGSTER_PG_* and PG_BIN
# settings of scripts/postgres.sh, and the pipeline's NMG_* settings, which the code server passes to its runs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export NMG_SERVE_HOME=${NMG_SERVE_HOME:-$REPO/dagster_home/prod}
export DAGSTER_HOME=$NMG_SERVE_HOME
export DAGSTER_DISABLE_TELEMETRY=1  # the webserver and daemon would otherwise try to upload $DAGSTER_HOME/logs
export DAGSTER_PG_HOST=${DAGSTER_PG_HOST:-127.0.0.1} DAGSTER_PG_PORT=${DAGSTER_PG_PORT:-5433}
export DAGSTER_PG_USERNAME=${DAGSTER_PG_USERNAME:-dagster} DAGSTER_PG_DB=${DAGSTER_PG_DB:-dagster}
export DAGSTER_CODE_SERVER_HOST=${DAGSTER_CODE_SERVER_HOST:-127.0.0.1}
export DAGSTER_CODE_SERVER_PORT=${DAGSTER_CODE_SERVER_PORT:-4266}
WEB_HOST=${NMG_WEBSERVER_HOST:-127.0.0.1}
WEB_PORT=${NMG_WEBSERVER_PORT:-3000}
VENV=${NMG_VENV:-$REPO/.venv}
RUN_DIR=$NMG_SERVE_HOME/run
LOG_DIR=$NMG_SERVE_HOME/service-logs  # not logs/: Dagster treats $DAGSTER_HOME/logs as its telemetry queue
WORKSPACE=$REPO/deploy/workspace.yaml
SERVICES=(code-server webserver daemon)  # started in this order, stopped in the reverse

die() { echo "错误：$*" >&2; exit 1; }

pid_of() {  # the recorded pid, if that process is still the service it was (pids are reused)
  local file=$RUN_DIR/$1.pid pid command
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  command=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $command == *dagster* ]] || return 1  # a zombie's is empty
  echo "$pid"
}

alive() {  # not a zombie: this container's init may never reap what it inherits
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

port_taken() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

launch() {  # name, then the command: detached into its own session so it outlives make and the terminal
  local name=$1
  shift
  if pid_of "$name" >/dev/null; then
    echo "$name 已在运行（进程号 $(pid_of "$name")）"
    return
  fi
  cd "$REPO"
  # bash starts background commands with SIGINT ignored, and Dagster's servers map SIGTERM onto the SIGINT
  # handler: without the reset they would ignore `make serve-stop`.
  env --default-signal=INT,TERM setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  echo "已启动 $name（进程号 $!，日志 $LOG_DIR/$name.log）"
}

wait_for() {  # description, seconds, service name, then a command that succeeds when it is ready
  local what=$1 seconds=$2 name=$3 deadline=$((SECONDS + $2))
  shift 3
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return; fi
    pid_of "$name" >/dev/null || die "$what 启动失败，详见 $LOG_DIR/$name.log"
    sleep 1
  done
  die "$what 在 $seconds 秒内没有就绪，详见 $LOG_DIR/$name.log（可用 NMG_SERVE_WAIT 延长等待）"
}

code_server_ready() {  # the standard gRPC health check, without importing dagster (seconds of CPU per call)
  "$VENV/bin/python" - "$DAGSTER_CODE_SERVER_HOST:$DAGSTER_CODE_SERVER_PORT" <<'PY'
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

with grpc.insecure_channel(sys.argv[1]) as channel:
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="DagsterApi"), timeout=5)
sys.exit(reply.status != health_pb2.HealthCheckResponse.SERVING)
PY
}

web_ready() { "$VENV/bin/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" "$1"; }

location_loaded() {  # the webserver's view of the code location: loaded, or its error (printed in the message)
  "$VENV/bin/python" - "$1/graphql" <<'PY'
import json
import sys
import urllib.request

query = ('{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename '
         '... on PythonError { message } } } } } }')
request = urllib.request.Request(sys.argv[1], json.dumps({"query": query}).encode(),
                                 {"Content-Type": "application/json"})
entries = json.load(urllib.request.urlopen(request, timeout=30))["data"]["workspaceOrError"]["locationEntries"]
errors = [f"{e['name']}: {(e['locationOrLoadError'] or {}).get('message', '未加载')}" for e in entries
          if (e["locationOrLoadError"] or {}).get("__typename") != "RepositoryLocation"]
print("\n".join(errors))
sys.exit(1 if errors or not entries else 0)
PY
}

migrate_once() {  # create the tables (or migrate them after a Dagster upgrade) before the services race to do it
  local stamp=$NMG_SERVE_HOME/.dagster-schema version
  version=$(cd "$VENV" && ls -d lib/python*/site-packages/dagster-[0-9]*.dist-info 2>/dev/null | head -n 1) || true
  version=${version##*/}  # dagster-<version>.dist-info: migrate again after an upgrade
  [[ -f $stamp && $(<"$stamp") == "$version@$DAGSTER_PG_HOST:$DAGSTER_PG_PORT/$DAGSTER_PG_DB" ]] && return
  (cd "$REPO" && "$VENV/bin/dagster" instance migrate >>"$LOG_DIR/migrate.log" 2>&1) ||
    die "Dagster 存储初始化失败，详见 $LOG_DIR/migrate.log"
  echo "$version@$DAGSTER_PG_HOST:$DAGSTER_PG_PORT/$DAGSTER_PG_DB" >"$stamp"
}

start() {
  [[ -x $VENV/bin/dagster-webserver ]] || die "没有找到 $VENV/bin/dagster-webserver：请先运行 make install。"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  # The committed instance config (Postgres storage, the writer queue), copied at every start so edits apply.
  install -m 644 "$REPO/deploy/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"
  "$REPO/scripts/postgres.sh" start
  # shellcheck disable=SC1091
  [[ -n ${DAGSTER_PG_PASSWORD:-} ]] || source "$NMG_SERVE_HOME/postgres.env"
  export DAGSTER_PG_PASSWORD
  local wait=${NMG_SERVE_WAIT:-180} url="http://$WEB_HOST:$WEB_PORT"
  [[ $WEB_HOST == 0.0.0.0 ]] && url="http://127.0.0.1:$WEB_PORT"
  if ! pid_of code-server >/dev/null; then
    port_taken "$DAGSTER_CODE_SERVER_HOST" "$DAGSTER_CODE_SERVER_PORT" &&
      die "端口 $DAGSTER_CODE_SERVER_PORT 已被占用：请用 DAGSTER_CODE_SERVER_PORT 换一个端口。"
    migrate_once
  fi
  if ! pid_of webserver >/dev/null && port_taken "$WEB_HOST" "$WEB_PORT"; then
    die "端口 $WEB_PORT 已被占用：请用 NMG_WEBSERVER_PORT 换一个端口。"
  fi
  launch code-server "$VENV/bin/dagster" code-server start -m dagster_project.definitions \
    -h "$DAGSTER_CODE_SERVER_HOST" -p "$DAGSTER_CODE_SERVER_PORT" --location-name nmg_fiscal
  wait_for "代码服务（code server）" "$wait" code-server code_server_ready
  launch webserver "$VENV/bin/dagster-webserver" -h "$WEB_HOST" -p "$WEB_PORT" -w "$WORKSPACE"
  launch daemon "$VENV/bin/dagster-daemon" run -w "$WORKSPACE"
  wait_for "Dagster 界面（webserver）" "$wait" webserver web_ready "$url/server_info"
  local errors
  errors=$(location_loaded "$url") ||
    die "服务已启动，但代码位置未能加载（夜间任务不会运行）：$errors。详见 $LOG_DIR/code-server.log；修正后运行 make serve-stop 再 make serve。"
  echo "Dagster 界面：$url （存储：PostgreSQL $DAGSTER_PG_HOST:$DAGSTER_PG_PORT/$DAGSTER_PG_DB；DAGSTER_HOME=$DAGSTER_HOME）"
  echo "每晚 02:00（北京时间）的运行由 dagster-daemon 发起；停止全部服务：make serve-stop"
}

stop_one() {
  local name=$1 pid i
  if ! pid=$(pid_of "$name"); then
    echo "$name 未在运行"
    rm -f "$RUN_DIR/$name.pid"
    return
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"  # its session: the runs it started end with it
  for ((i = 0; i < 60; i++)); do
    alive "$pid" || break
    sleep 0.5
  done
  if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; fi
  rm -f "$RUN_DIR/$name.pid"
  echo "已停止 $name（进程号 $pid）"
}

stop() {
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[i]}"; done
  "$REPO/scripts/postgres.sh" stop
}

status() {
  local name pid code=0
  for name in "${SERVICES[@]}"; do
    if pid=$(pid_of "$name"); then echo "$name 正在运行（进程号 $pid）"; else echo "$name 未在运行"; code=3; fi
  done
  "$REPO/scripts/postgres.sh" status || code=3
  return $code
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "用法：scripts/serve.sh start|stop|status" ;;
esac
