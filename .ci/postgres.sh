# shellcheck shell=bash
# Sourced by .ci/run: makes a private, throw-away PostgreSQL available to the
# tests and exports DATABASE_URL. Installs Debian's postgresql package when
# initdb/pg_ctl are missing. The cluster lives in its own temp dir (initdb),
# listens on 127.0.0.1 only on a free port with its socket in that dir, runs
# without fsync (nothing in it is worth keeping), and is stopped and removed
# when the sourcing shell exits. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` user (created by the package).

aioclock_postgres_bin() {
  local dir
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    # /usr/local/bin may hold links to a few of them: use their real dir.
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  # Debian keeps the server binaries off PATH, one dir per major version.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

aioclock_postgres_start() {
  local bin
  if ! bin="$(aioclock_postgres_bin)"; then
    echo "postgres.sh: initdb/pg_ctl not found, installing the Debian package" >&2
    if [ "$(id -u)" -eq 0 ]; then
      apt-get update && apt-get install -y postgresql || return 1
    else
      sudo apt-get update && sudo apt-get install -y postgresql || return 1
    fi
    bin="$(aioclock_postgres_bin)" || { echo "postgres.sh: no initdb after installing" >&2; return 1; }
  fi

  local port dir opts as=()
  port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")" || return 1
  dir="$(mktemp -d -t aioclock-postgres.XXXXXX)" || return 1
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || return 1
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi

  "${as[@]}" "$bin/initdb" -D "$dir/data" -U aioclock --auth=trust \
    --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 -o "$opts" start >/dev/null || { cat "$dir/postgres.log" >&2; return 1; }
  AIOCLOCK_POSTGRES_BIN="$bin"
  AIOCLOCK_POSTGRES_DIR="$dir"
  AIOCLOCK_POSTGRES_AS="${as[*]}"
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U aioclock aioclock_test ||
    { cat "$dir/postgres.log" >&2; aioclock_postgres_stop; return 1; }

  export DATABASE_URL="postgres://aioclock@127.0.0.1:$port/aioclock_test"
  # The restart fault test stops this server and starts it again, same port.
  export AIOCLOCK_POSTGRES_STOP="${as[*]} $bin/pg_ctl -D $dir/data -m fast -w stop"
  export AIOCLOCK_POSTGRES_START="${as[*]} $bin/pg_ctl -D $dir/data -l $dir/postgres.log -w -t 30 -o '$opts' start"
  echo "postgres.sh: $("$bin/postgres" --version) on $DATABASE_URL" >&2

  # Chain onto any EXIT trap the caller already has instead of replacing it.
  local previous
  previous="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")"
  # shellcheck disable=SC2064
  trap "aioclock_postgres_stop; ${previous:-:}" EXIT
}

aioclock_postgres_stop() {
  [ -n "${AIOCLOCK_POSTGRES_DIR:-}" ] || return 0
  # shellcheck disable=SC2086
  $AIOCLOCK_POSTGRES_AS "$AIOCLOCK_POSTGRES_BIN/pg_ctl" -D "$AIOCLOCK_POSTGRES_DIR/data" \
    -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$AIOCLOCK_POSTGRES_DIR"
  unset AIOCLOCK_POSTGRES_DIR AIOCLOCK_POSTGRES_BIN AIOCLOCK_POSTGRES_AS \
    AIOCLOCK_POSTGRES_STOP AIOCLOCK_POSTGRES_START
}

aioclock_postgres_start
