# Shared by the bench scripts (sourced, not run): free ports, and starting / stopping one server built in Release.
#   SERVER_ENV   environment for OrleansChat only (A/B runs of its runtime settings)
#   PROFILE_ENV  environment for either server (profilers that need the same runtime switches on both)

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GATEWAY_DIR=${GATEWAY_DIR:-$ROOT/Gateway.Web/bin/Release/net10.0}
FLOOR_DIR=${FLOOR_DIR:-$ROOT/bench/FloorServer/bin/Release/net10.0}
BENCH=$ROOT/bench/OrleansChat.Bench/bin/Release/net10.0/OrleansChat.Bench.dll
SERVER_PID=

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

build_release() {
  dotnet build "$ROOT/Gateway.Web/Gateway.Web.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/bench/FloorServer/FloorServer.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/bench/OrleansChat.Bench/OrleansChat.Bench.csproj" -c Release -nologo -v q
}

# start_server orleans|floor LOG_FILE: sets SERVER_PID and URL once the server answers a login.
start_server() {
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
  for _ in $(seq 300); do
    if curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"openId":"probe","name":"probe"}' "$URL/api/auth/login"; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server $1 died:"; tail -20 "$2"; exit 1; }
    sleep 0.1
  done
  echo "server $1 did not start"; exit 1
}

stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}

# wait_for_steps LOG PID: returns once the load generator has finished its set-up (its step table header is out).
wait_for_steps() {
  until grep -q "step  sends/s" "$1" 2>/dev/null; do sleep 0.5; kill -0 "$2" 2>/dev/null || break; done
}
