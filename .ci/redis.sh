# shellcheck shell=bash
# Sourced by .ci/run: makes a private, throw-away redis-server available to the
# tests and exports REDIS_URL. Installs the Debian package when it is missing.
# The server listens on 127.0.0.1 only, on a free port, keeps nothing on disk
# (its own temp dir, no RDB/AOF), and is shut down when the sourcing shell exits.

aioclock_redis_start() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis.sh: redis-server not found, installing the Debian package" >&2
    if [ "$(id -u)" -eq 0 ]; then
      apt-get update && apt-get install -y redis-server || return 1
    else
      sudo apt-get update && sudo apt-get install -y redis-server || return 1
    fi
  fi

  local port dir i
  # Ask the kernel for a free port (bind to 0), then hand it to redis-server.
  port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")" || return 1
  dir="$(mktemp -d -t aioclock-redis.XXXXXX)" || return 1

  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --save '' --appendonly no || { cat "$dir/redis.log" >&2; return 1; }

  for i in $(seq 1 100); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then break; fi
    sleep 0.1
  done
  if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" != "PONG" ]; then
    echo "redis.sh: redis-server did not answer PING on port $port" >&2
    cat "$dir/redis.log" >&2
    return 1
  fi

  AIOCLOCK_REDIS_PORT="$port"
  AIOCLOCK_REDIS_DIR="$dir"
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "redis.sh: redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on $REDIS_URL" >&2

  # Chain onto any EXIT trap the caller already has instead of replacing it.
  local previous
  previous="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")"
  # shellcheck disable=SC2064
  trap "aioclock_redis_stop; ${previous:-:}" EXIT
}

aioclock_redis_stop() {
  [ -n "${AIOCLOCK_REDIS_PORT:-}" ] || return 0
  redis-cli -h 127.0.0.1 -p "$AIOCLOCK_REDIS_PORT" shutdown nosave >/dev/null 2>&1 ||
    { [ -f "$AIOCLOCK_REDIS_DIR/redis.pid" ] && kill "$(cat "$AIOCLOCK_REDIS_DIR/redis.pid")" 2>/dev/null; }
  rm -rf "$AIOCLOCK_REDIS_DIR"
  unset AIOCLOCK_REDIS_PORT AIOCLOCK_REDIS_DIR
}

aioclock_redis_start
