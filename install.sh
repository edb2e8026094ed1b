#!/usr/bin/env bash
# Runs the wizard from a checkout: installs its dependencies (npm brings Node 24 through the `node`
# devDependency, so Node 20 and npm are enough), builds it, and starts it with the arguments given.
#   sudo ./install.sh [wizard arguments...]
# The curl-able bootstrap for bare servers (release download, checksum, Node download) is not built yet.
set -euo pipefail

main() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  cd "$here"

  if [ "$(uname -s)" != "Linux" ]; then
    echo "✖ The wizard runs on Linux servers; this is $(uname -s)." >&2
    exit 1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "✖ npm is missing." >&2
    echo "  → Install Node.js and npm first, e.g. apt-get install -y nodejs npm" >&2
    exit 1
  fi
  if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "Installing the wizard's dependencies..." >&2
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
  if [ ! -f dist/cli.js ] || [ -n "$(find src steps assets -newer dist/cli.js -print -quit)" ]; then
    npm run --silent build >&2
  fi
  # Questions need a terminal even when this script itself was piped into bash.
  if [ -t 0 ] || ! { : </dev/tty; } 2>/dev/null; then
    exec npm run --silent wizard -- "$@"
  fi
  exec npm run --silent wizard -- "$@" </dev/tty
}

main "$@"
