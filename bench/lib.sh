# Shared by the bench scripts (sourced, not run): free ports, and starting / stopping one server built in Release.
#   SERVER_ENV   environment for OrleansChat only (A/B runs of its runtime settings)
#   PROFILE_ENV  environment for either server (profilers that need the same runtime switches on both)
# The cluster shape (SHAPE=cluster): start_backends once (throwaway redis + PostgreSQL), then start_server cluster
# starts SILOS Silo processes and GATEWAYS Client-mode gateways on a fresh migrated database; stop_backends at the end.
# start_server always sets SERVER_PID (the first process), SERVER_PIDS (every process of ours, comma-separated) and
# URL (every gateway, comma-separated); DB_PID is the postmaster (0 without a database).

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GATEWAY_DIR=${GATEWAY_DIR:-$ROOT/Gateway.Web/bin/Release/net10.0}
FLOOR_DIR=${FLOOR_DIR:-$ROOT/bench/FloorServer/bin/Release/net10.0}
SILO_DIR=${SILO_DIR:-$ROOT/Silo/bin/Release/net10.0}
SILOS=${SILOS:-1}
GATEWAYS=${GATEWAYS:-1}
SERVER_PIDS=
DB_PID=0
BENCH=$ROOT/bench/OrleansChat.Bench/bin/Release/net10.0/OrleansChat.Bench.dll
SERVER_PID=

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

build_release() {
  dotnet build "$ROOT/Gateway.Web/Gateway.Web.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/Silo/Silo.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/bench/FloorServer/FloorServer.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/bench/OrleansChat.Bench/OrleansChat.Bench.csproj" -c Release -nologo -v q
}

# start_server orleans|cluster|floor LOG_FILE: sets SERVER_PID(S) and URL once every server answers a login.
start_server() {
  if [[ $1 == cluster ]]; then start_cluster "$2"; return; fi
  local port; port=$(free_port); URL=http://127.0.0.1:$port
  if [[ $1 == orleans ]]; then
    (cd "$GATEWAY_DIR" && exec env ${PROFILE_ENV:-} ${SERVER_ENV:-} dotnet Gateway.Web.dll --Urls "$URL" \
      --Cluster:Mode Embedded --Cluster:SiloPort "$(free_port)" --Cluster:GatewayPort "$(free_port)" \
      --Cluster:ClusterId "bench-$port" --Auth:DevLoginEnabled true \
      --Sockets:IdleTimeout 01:00:00 --Sockets:MaxConnectionsPerAddress 0 --RateLimits:Enabled false \
      --Logging:LogLevel:Default Warning) > "$2" 2>&1 &
  else
    (cd "$FLOOR_DIR" && exec env ${PROFILE_ENV:-} dotnet FloorServer.dll --Urls "$URL") > "$2" 2>&1 &
  fi
  SERVER_PID=$!
  SERVER_PIDS=$SERVER_PID
  wait_for_login "$1" "$URL" "$2"
}

# wait_for_login NAME URL LOG: returns once URL answers a dev login; exits if a process of ours died.
wait_for_login() {
  for _ in $(seq 600); do
    if curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"openId":"probe","name":"probe"}' "$2/api/auth/login"; then
      return 0
    fi
    local pid
    for pid in ${SERVER_PIDS//,/ }; do
      kill -0 "$pid" 2>/dev/null || { echo "server $1 (pid $pid) died:"; tail -20 "$3"*; exit 1; }
    done
    sleep 0.1
  done
  echo "server $1 did not start"; exit 1
}

# as_postgres CMD...: PostgreSQL refuses to run as root.
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_backends DIR: a throwaway redis and PostgreSQL (stock settings but the port) for the cluster shape.
start_backends() {
  local dir=$1 pgbin; pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do [[ -s $dir/redis.pid ]] && break; sleep 0.1; done
  PG_DIR=$(as_postgres mktemp -d /tmp/orleanschat-bench-pg.XXXXXX)
  PG_PORT=$(free_port)
  as_postgres "$pgbin/initdb" -D "$PG_DIR/data" -U orleans --auth=trust -E UTF8 > "$dir/initdb.log" 2>&1
  as_postgres "$pgbin/pg_ctl" -D "$PG_DIR/data" -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 ${PG_OPTIONS:-}" \
    -l "$PG_DIR/server.log" -w -t 60 start > /dev/null
  PG_BIN=$pgbin
  DB_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
  # One signing key for every gateway: a token issued by one is valid on all.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/signing.pem" 2> /dev/null
  SIGNING_PEM=$dir/signing.pem
  echo "backends: redis 127.0.0.1:$REDIS_PORT, PostgreSQL 127.0.0.1:$PG_PORT (postmaster pid $DB_PID, max_connections 100)"
}

stop_backends() {
  if [[ -n ${PG_DIR:-} ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null 2>&1 || kill -9 "$DB_PID" 2>/dev/null || true
    cp "$PG_DIR/server.log" "${OUT:-/tmp}/postgres.log" 2>/dev/null || true
    rm -rf "$PG_DIR"; PG_DIR=
  fi
  if [[ -n ${REDIS_PORT:-} ]]; then
    [[ -s ${OUT:-}/redis.pid ]] && kill "$(cat "$OUT/redis.pid")" 2>/dev/null || true
    REDIS_PORT=
  fi
  DB_PID=0
}

# start_cluster LOG_PREFIX: a fresh database (created, then migrated by `Silo migrate`), SILOS silos, GATEWAYS gateways.
start_cluster() {
  local log=$1 db="bench_$(date +%s%N | tail -c 9)" i
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U orleans "$db"
  # Every pool of every silo within PostgreSQL's stock max_connections (100): silos x 2 pools x size <= 90.
  local pool=$(( 90 / (2 * SILOS) )); (( pool > 40 )) && pool=40
  local cs="Host=127.0.0.1;Port=$PG_PORT;Database=$db;Username=orleans;Maximum Pool Size=$pool"
  (cd "$SILO_DIR" && dotnet Silo.dll migrate --connection "$cs") > "$log.migrate" 2>&1 || { echo "migrate failed:"; cat "$log.migrate"; exit 1; }
  local cluster=(--Cluster:Clustering Redis --Cluster:RedisConnectionString "127.0.0.1:$REDIS_PORT"
    --Cluster:ClusterId "bench-$db" --Cluster:ServiceId "bench-$db" --Logging:LogLevel:Default Warning)
  SERVER_PIDS=
  # GC modes as k8s/base deploys them (Server GC for silos, workstation for Client-mode gateways); SERVER_ENV, set
  # after them, may override either for an A/B (GATEWAY_ENV: the gateways only).
  for i in $(seq "$SILOS"); do
    (cd "$SILO_DIR" && exec env DOTNET_gcServer=1 ${PROFILE_ENV:-} ${SERVER_ENV:-} dotnet Silo.dll "${cluster[@]}" \
      --Cluster:SiloPort "$(free_port)" --Cluster:GatewayPort "$(free_port)" --Cluster:AdvertisedIPAddress 127.0.0.1 \
      --Health:Port "$(free_port)" --Storage:Provider Postgres --Storage:Postgres:ConnectionString "$cs" \
      --MessageLog:Provider Postgres --MessageLog:Postgres:ConnectionString "$cs") > "$log.silo$i" 2>&1 &
    SERVER_PIDS=${SERVER_PIDS:+$SERVER_PIDS,}$!
  done
  local urls=()
  for i in $(seq "$GATEWAYS"); do
    local url=http://127.0.0.1:$(free_port)
    (cd "$GATEWAY_DIR" && exec env DOTNET_gcServer=0 ${PROFILE_ENV:-} ${SERVER_ENV:-} ${GATEWAY_ENV:-} dotnet Gateway.Web.dll --Urls "$url" "${cluster[@]}" \
      --Cluster:Mode Client --Auth:DevLoginEnabled true --Auth:SigningKeys:0:Id bench --Auth:SigningKeys:0:PemFile "$SIGNING_PEM" \
      --Sockets:IdleTimeout 01:00:00 --Sockets:MaxConnectionsPerAddress 0 --RateLimits:Enabled false) > "$log.gateway$i" 2>&1 &
    SERVER_PIDS=$SERVER_PIDS,$!
    urls+=("$url")
  done
  SERVER_PID=${SERVER_PIDS%%,*}
  for url in "${urls[@]}"; do wait_for_login cluster "$url" "$log"; wait_for_ready "$url" "$log"; done
  URL=$(IFS=,; echo "${urls[*]}")
}

# wait_for_ready URL LOG: returns once the gateway's /readyz answers 200 (its Orleans client reaches the chat grains;
# before that, upgrades are refused with 503 and the first clients would measure the cluster's start).
wait_for_ready() {
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1/readyz" && return 0
    sleep 0.1
  done
  echo "gateway $1 never became ready"; tail -20 "$2"*; exit 1
}

stop_server() {
  local pid
  for pid in ${SERVER_PIDS//,/ }; do kill "$pid" 2>/dev/null || true; done
  for pid in ${SERVER_PIDS//,/ }; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  SERVER_PID=
  SERVER_PIDS=
}

# wait_for_steps LOG PID: returns once the load generator has finished its set-up (its step table header is out).
wait_for_steps() {
  until grep -q "step  sends/s" "$1" 2>/dev/null; do sleep 0.5; kill -0 "$2" 2>/dev/null || break; done
}
