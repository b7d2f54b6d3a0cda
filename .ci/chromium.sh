# shellcheck shell=bash
# Sourced by .ci/run: makes Debian's Chromium available to the dashboard's
# browser spec (test/e2e/http/dashboard.browser.spec.ts), which drives it with
# playwright-core. Never downloads a browser of its own: the Debian package only.
# With CI=true that spec fails when Chromium is missing, so a failed install here
# stops the run instead of silently skipping the browser tests.

aioclock_chromium_install() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$path" ]; then
    echo "chromium.sh: $("$path" --version 2>/dev/null || echo "$path")" >&2
    return 0
  fi
  echo "chromium.sh: $path not found, installing the Debian package" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || return 1
  else
    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || return 1
  fi
  [ -x "$path" ] || { echo "chromium.sh: installed, but $path is still missing (set CHROMIUM_PATH)" >&2; return 1; }
  echo "chromium.sh: $("$path" --version 2>/dev/null)" >&2
}

aioclock_chromium_install
