#!/usr/bin/env bash
# Starts a real Docker engine with the Compose v2 plugin on a Debian bookworm host, for the e2e suite.
# Idempotent: does nothing that is already done. Needs root and Debian's package registry.
set -euo pipefail

log() { printf '[setup-docker] %s\n' "$*" >&2; }

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing docker.io from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

plugin_dir=/usr/local/lib/docker/cli-plugins
if [ ! -x "$plugin_dir/docker-compose" ]; then
  log "fetching the static docker-compose (Compose v2) from Debian trixie"
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  cat >"$work/trixie.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  opts=(-o "Dir::Etc::sourcelist=$work/trixie.sources" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::status=/dev/null")
  apt-get "${opts[@]}" update -qq
  (cd "$work" && apt-get "${opts[@]}" download docker-compose >/dev/null)
  dpkg -x "$work"/docker-compose_*.deb "$work/x"
  mkdir -p "$plugin_dir"
  bin=$(find "$work/x" -type f -name docker-compose -perm -u+x | head -n 1)
  install -m 0755 "$bin" "$plugin_dir/docker-compose"
  rm -rf "$work"
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  # iptables may be unavailable in a sandbox; the e2e stacks only use loopback and bridge networks.
  nohup dockerd >/var/log/dockerd-e2e.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; its log:"; tail -n 40 /var/log/dockerd-e2e.log >&2; exit 1; }
fi
docker compose version >&2
log "docker engine ready: $(docker version --format '{{.Server.Version}}')"
