#!/usr/bin/env bash
# The project's own PostgreSQL cluster holding Dagster's run, event-log and schedule storage (make serve,
# deploy/systemd/nmg-dagster-postgres.service; docs/operations.md, "Services").
#
#   scripts/postgres.sh start     initialise the cluster the first time, start it, create the database
#   scripts/postgres.sh stop      stop it (fast shutdown: open sessions are rolled back)
#   scripts/postgres.sh status    say whether it runs
#   scripts/postgres.sh run       initialise if needed and run in the foreground (systemd)
#   scripts/postgres.sh createdb  wait until it accepts connections, create the database if missing
#
# Environment: NMG_SERVE_HOME (default dagster_home/prod; the cluster is in its pgdata/), DAGSTER_PG_HOST
# (127.0.0.1), DAGSTER_PG_PORT (5433, beside a system cluster on 5432), DAGSTER_PG_USERNAME (dagster),
# DAGSTER_PG_DB (dagster), DAGSTER_PG_PASSWORD (made at the first start and kept in postgres.env, mode 0600),
# PG_BIN (the folder of pg_ctl; default Debian's /usr/lib/postgresql/15/bin, else pg_ctl on PATH) and, when run
# as root (PostgreSQL refuses to), NMG_PG_OS_USER: the account the server runs as (default postgres).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVE_HOME=${NMG_SERVE_HOME:-$REPO/dagster_home/prod}
PGDATA=$SERVE_HOME/pgdata
PG_LOG=$SERVE_HOME/service-logs/postgres.log
ENV_FILE=$SERVE_HOME/postgres.env
: "${DAGSTER_PG_HOST:=127.0.0.1}" "${DAGSTER_PG_PORT:=5433}" "${DAGSTER_PG_USERNAME:=dagster}" "${DAGSTER_PG_DB:=dagster}"
PG_OS_USER=${NMG_PG_OS_USER:-postgres}

die() { echo "错误：$*" >&2; exit 1; }

pg_bin() {  # Debian installs the server outside PATH (/usr/lib/postgresql/<version>/bin)
  local dir
  for dir in "${PG_BIN:-}" /usr/lib/postgresql/15/bin; do
    if [[ -n $dir && -x $dir/pg_ctl ]]; then echo "$dir"; return; fi
  done
  if command -v pg_ctl >/dev/null; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  die "找不到 PostgreSQL（pg_ctl）。请安装 postgresql-15（apt-get install postgresql-15），或用 PG_BIN 指定 pg_ctl 所在目录。"
}
BIN=$(pg_bin)

as_server_user() {  # PostgreSQL will not run as root: the cluster belongs to an unprivileged account
  if [[ $EUID -eq 0 ]]; then
    id "$PG_OS_USER" >/dev/null 2>&1 || die "以 root 运行时需要一个普通账户运行 PostgreSQL：账户 $PG_OS_USER 不存在，请用 NMG_PG_OS_USER 指定。"
    # runuser lives in /usr/sbin or /sbin, which a service's or a user's PATH may leave out
    local runuser
    runuser=$(PATH="$PATH:/usr/sbin:/sbin" command -v runuser) || die "找不到 runuser（util-linux）：请安装 util-linux。"
    "$runuser" -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

check_names() {  # they go into SQL and a connection string: plain identifiers only
  [[ $DAGSTER_PG_USERNAME =~ ^[a-z_][a-z0-9_]*$ && $DAGSTER_PG_DB =~ ^[a-z_][a-z0-9_]*$ ]] ||
    die "DAGSTER_PG_USERNAME 和 DAGSTER_PG_DB 只能由小写字母、数字和下划线组成（现为 $DAGSTER_PG_USERNAME / $DAGSTER_PG_DB）。"
  [[ $DAGSTER_PG_PORT =~ ^[0-9]+$ ]] || die "DAGSTER_PG_PORT 必须是端口号（现为 $DAGSTER_PG_PORT）。"
}

load_password() {  # an explicit DAGSTER_PG_PASSWORD wins; else the one made at the first start ($1 = make)
  if [[ -z ${DAGSTER_PG_PASSWORD:-} && -f $ENV_FILE ]]; then
    # shellcheck disable=SC1090
    source "$ENV_FILE"
  fi
  if [[ -z ${DAGSTER_PG_PASSWORD:-} ]]; then
    [[ ${1:-} == make ]] || die "没有 DAGSTER_PG_PASSWORD，也没有 $ENV_FILE：请先运行 scripts/postgres.sh start。"
    DAGSTER_PG_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    (umask 077 && printf 'DAGSTER_PG_PASSWORD=%s\n' "$DAGSTER_PG_PASSWORD" >"$ENV_FILE")
  fi
  export DAGSTER_PG_PASSWORD
}

prepare_folders() {
  mkdir -p "$SERVE_HOME/service-logs"
  load_password make
  chmod 755 "$SERVE_HOME"  # the server account must reach pgdata/ when we are root
  touch "$PG_LOG"
  if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER" "$PG_LOG"; fi
}

init_cluster() {
  if [[ -f $PGDATA/PG_VERSION ]]; then
    local have want
    have=$(cat "$PGDATA/PG_VERSION")
    want=$("$BIN/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
    [[ $have == "$want" ]] || die "$PGDATA 是 PostgreSQL $have 的数据目录，而 $BIN 是 PostgreSQL $want：请用 PG_BIN 指定 $have 版的程序，或用 pg_upgrade 升级该目录。"
    return
  fi
  echo "初始化 PostgreSQL 数据目录 $PGDATA（$("$BIN/pg_ctl" --version)）"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  local pwfile=$SERVE_HOME/.pgpass.init
  (umask 077 && printf '%s\n' "$DAGSTER_PG_PASSWORD" >"$pwfile")
  if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER" "$PGDATA" "$pwfile"; fi
  # Password authentication on TCP (scram), no unix socket (see start): the superuser is the Dagster account of
  # a cluster that holds nothing else and listens on DAGSTER_PG_HOST only.
  if ! as_server_user "$BIN/initdb" -D "$PGDATA" -U "$DAGSTER_PG_USERNAME" --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1; then
    rm -f "$pwfile"
    die "initdb 失败，详见 $PG_LOG"
  fi
  rm -f "$pwfile"
}

server_options() {  # the listening address and port come from the environment at every start
  printf '%s\n' -c "listen_addresses=$DAGSTER_PG_HOST" -p "$DAGSTER_PG_PORT" -c "unix_socket_directories="
}

is_running() { as_server_user "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

port_taken() { (exec 3<>"/dev/tcp/$DAGSTER_PG_HOST/$DAGSTER_PG_PORT") 2>/dev/null; }

start() {
  prepare_folders
  init_cluster
  if is_running; then
    echo "PostgreSQL 已在运行（$PGDATA）"
  else
    port_taken && die "端口 $DAGSTER_PG_HOST:$DAGSTER_PG_PORT 已被其他程序占用：请用 DAGSTER_PG_PORT 换一个端口。"
    local opts
    opts=$(server_options | tr '\n' ' ')
    as_server_user "$BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 -o "${opts% }" start >/dev/null ||
      die "PostgreSQL 未能启动，详见 $PG_LOG"
    echo "PostgreSQL 已启动：$DAGSTER_PG_HOST:$DAGSTER_PG_PORT（数据目录 $PGDATA）"
  fi
  createdb
}

psql_cmd() { PGPASSWORD=$DAGSTER_PG_PASSWORD PGCONNECT_TIMEOUT=5 "$PSQL" -X -q -h "$DAGSTER_PG_HOST" -p "$DAGSTER_PG_PORT" -U "$DAGSTER_PG_USERNAME" "$@"; }

createdb() {
  load_password
  PSQL=$BIN/psql
  [[ -x $PSQL ]] || PSQL=$(command -v psql) || die "找不到 psql：请安装 postgresql-client-15。"
  local i
  for ((i = 0; i < 60; i++)); do
    psql_cmd -d postgres -tAc "SELECT 1" >/dev/null 2>&1 && break
    sleep 1
  done
  ((i < 60)) || die "60 秒内无法以 $DAGSTER_PG_USERNAME 连上 $DAGSTER_PG_HOST:$DAGSTER_PG_PORT：检查 DAGSTER_PG_PASSWORD 与 $ENV_FILE，日志见 $PG_LOG"
  if [[ -z $(psql_cmd -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DAGSTER_PG_DB'") ]]; then
    psql_cmd -d postgres -c "CREATE DATABASE $DAGSTER_PG_DB" >/dev/null
    echo "已创建数据库 $DAGSTER_PG_DB"
  fi
}

stop() {
  if [[ -f $PGDATA/PG_VERSION ]] && is_running; then
    as_server_user "$BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    echo "PostgreSQL 已停止（$PGDATA）"
  else
    echo "PostgreSQL 未在运行（$PGDATA）"
  fi
}

run_foreground() {
  prepare_folders
  init_cluster
  local opts=()
  mapfile -t opts < <(server_options)
  if [[ $EUID -eq 0 ]]; then exec runuser -u "$PG_OS_USER" -- "$BIN/postgres" -D "$PGDATA" "${opts[@]}"; fi
  exec "$BIN/postgres" -D "$PGDATA" "${opts[@]}"
}

check_names
case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if [[ -f $PGDATA/PG_VERSION ]] && is_running; then echo "PostgreSQL 正在运行（$PGDATA，端口 $DAGSTER_PG_PORT）"; else echo "PostgreSQL 未在运行（$PGDATA）"; exit 3; fi ;;
  run) run_foreground ;;
  createdb) createdb ;;
  *) die "用法：scripts/postgres.sh start|stop|status|run|createdb" ;;
esac
