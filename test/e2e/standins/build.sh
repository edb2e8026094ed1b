#!/usr/bin/env bash
# Builds the e2e stand-in images without any registry (see README.md):
#   wizard-standin/base:latest                      docker import of a rootfs made from this host's files
#   registry.rocket.chat/rocketchat/rocket.chat:V   for each V in ROCKETCHAT_VERSIONS (or the arguments)
#   mongodb/mongodb-community-server:{8.2,8.0}-ubi8
#   nats:2.11-alpine, natsio/prometheus-nats-exporter:0.17.3, percona/mongodb_exporter:0.44.0
#   mattermost/mattermost-{team,enterprise}-edition:V for each V in MATTERMOST_VERSIONS
#   postgres:16-alpine (Mattermost's), postgres:14-alpine (Mastodon's): one stand-in, postgres/
#   ghcr.io/chatmail/docker:V                        for each V in CHATMAIL_VERSIONS (the chatmail relay)
#   ghcr.io/mastodon/mastodon{,-streaming}:vV       for each V in MASTODON_VERSIONS, redis:7-alpine
#   jonasal/nginx-certbot:latest                     the shared proxy (this host's nginx and openssl, a certbot stand-in)
# Idempotent and fast when nothing changed: each image carries a wizard-standin.hash label (its inputs' content
# hash) and is rebuilt only when that differs. Concurrent runs serialise on a lock file.
# Usage: build.sh [ROCKETCHAT_VERSION...]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
log() { printf '[standins] %s\n' "$*" >&2; }

rocketchat_versions=("$@")
if [ ${#rocketchat_versions[@]} -eq 0 ]; then
  read -r -a rocketchat_versions <<<"${ROCKETCHAT_VERSIONS:-7.13.0 8.0.0 8.0.1 9.9.9-broken 9.9.9-crash}"
fi
# tag of mongodb-community-server (without -ubi8) = version its mongod reports
mongodb_versions=("8.2=8.2.1" "8.0=8.0.15")
# mattermost/mattermost-{team,enterprise}-edition tags
read -r -a mattermost_versions <<<"${MATTERMOST_VERSIONS:-11.7.15 10.11.23}"
# postgres tag = version its server reports (16: Mattermost, 14: Mastodon)
postgres_versions=("16-alpine=16.11" "14-alpine=14.17")
# ghcr.io/chatmail/docker tags (the relay releases in assets/chatmail/releases.json)
read -r -a chatmail_versions <<<"${CHATMAIL_VERSIONS:-1.12.0 1.11.0}"
# ghcr.io/mastodon/mastodon and mastodon-streaming tags without the v (the default release and an older one)
read -r -a mastodon_versions <<<"${MASTODON_VERSIONS:-4.5.11 4.4.8}"

# --- host tools: dash and busybox-static go into the base image -----------------------------------------------
if [ ! -x /bin/dash ] || [ ! -x /bin/busybox ] || ! /bin/busybox --list 2>/dev/null | grep -qx seq || ldd /bin/busybox >/dev/null 2>&1; then
  log "installing dash and busybox-static from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dash busybox-static >/dev/null
fi
command -v docker >/dev/null 2>&1 || { log "docker is not installed: run .ci/setup-docker.sh"; exit 1; }
docker info >/dev/null 2>&1 || { log "the docker engine is not reachable: run .ci/setup-docker.sh"; exit 1; }

node_bin=${STANDIN_NODE:-}
if [ -z "$node_bin" ]; then
  if [ -x "$repo/node_modules/node/bin/node" ]; then node_bin=$repo/node_modules/node/bin/node; else node_bin=$(command -v node); fi
fi
node_bin=$(readlink -f "$node_bin")

exec 9>"${TMPDIR:-/tmp}/wizard-standins.lock"
flock -w 900 9 || { log "timed out waiting for another build"; exit 1; }

export DOCKER_BUILDKIT=0 # the legacy builder needs no buildx plugin and no registry
label_of() { docker image inspect -f '{{index .Config.Labels "wizard-standin.hash"}}' "$1" 2>/dev/null || true; }
files_hash() { (cd "$here" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64; }

# --- base image -----------------------------------------------------------------------------------------------
base=wizard-standin/base:latest
base_hash=$( {
  sha256sum "$here/base/make-rootfs.sh" "$node_bin" /bin/busybox "$(readlink -f /bin/dash)"
  { ldd "$node_bin"; ldd /bin/dash; } | grep -o '/[^ ]*' | sort -u | xargs readlink -f | xargs sha256sum
} | cut -d' ' -f1 | sha256sum | cut -c1-64) # contents only: the same base from any checkout of the repository
if [ "$(label_of "$base")" != "$base_hash" ]; then
  log "building $base from $node_bin ($("$node_bin" --version))"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  bash "$here/base/make-rootfs.sh" "$node_bin" "$work/rootfs"
  tar --numeric-owner -C "$work/rootfs" -cf - . |
    docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c "LABEL wizard-standin.hash=$base_hash" \
      -c 'CMD ["/bin/sh"]' \
      -m "wizard e2e stand-in base" - "$base" >/dev/null
  rm -rf "$work"
  trap - EXIT
else
  log "$base is up to date"
fi
base_id=$(docker image inspect -f '{{.Id}}' "$base")

# build TAG DOCKERFILE "SOURCE_DIRS" [docker build args...]
build() {
  local tag=$1 dockerfile=$2 sources=$3
  shift 3
  local hash
  # shellcheck disable=SC2086 # SOURCE_DIRS is a word list
  hash=$(printf '%s\n' "$base_id" "$(files_hash $sources)" "$@" | sha256sum | cut -c1-64)
  if [ "$(label_of "$tag")" = "$hash" ]; then
    log "$tag is up to date"
    return
  fi
  log "building $tag"
  docker build --force-rm -f "$here/$dockerfile" --label "wizard-standin.hash=$hash" -t "$tag" "$@" "$here" >&2
}

chmod 0755 "$here"/*/bin/* "$here"/*/docker-entrypoint.sh "$here/nats/nats-server"

for version in "${rocketchat_versions[@]}"; do
  build "registry.rocket.chat/rocketchat/rocket.chat:$version" rocketchat/Dockerfile "lib rocketchat" --build-arg "RC_VERSION=$version"
done
for pair in "${mongodb_versions[@]}"; do
  build "mongodb/mongodb-community-server:${pair%%=*}-ubi8" mongodb/Dockerfile "lib mongodb" --build-arg "MONGO_VERSION=${pair#*=}"
done
build nats:2.11-alpine nats/Dockerfile "lib nats"
build natsio/prometheus-nats-exporter:0.17.3 exporters/nats-exporter.Dockerfile "lib exporters"
build percona/mongodb_exporter:0.44.0 exporters/mongodb-exporter.Dockerfile "lib exporters"
for version in "${mattermost_versions[@]}"; do
  for edition in team enterprise; do
    build "mattermost/mattermost-$edition-edition:$version" mattermost/mattermost.Dockerfile "lib mattermost postgres" --build-arg "MM_VERSION=$version" --build-arg "MM_EDITION=$edition"
  done
done
for pair in "${postgres_versions[@]}"; do
  build "postgres:${pair%%=*}" postgres/Dockerfile "lib postgres" --build-arg "PG_VERSION=${pair#*=}"
done
for version in "${chatmail_versions[@]}"; do
  build "ghcr.io/chatmail/docker:$version" chatmail/Dockerfile "lib chatmail" --build-arg "CHATMAIL_VERSION=$version"
done
chmod 0755 "$here"/mastodon/*/bin/* "$here"/mastodon/*/docker-entrypoint.sh
for version in "${mastodon_versions[@]}"; do
  build "ghcr.io/mastodon/mastodon:v$version" mastodon/app/Dockerfile "lib mastodon/lib mastodon/app" --build-arg "MASTODON_VERSION=$version"
  build "ghcr.io/mastodon/mastodon-streaming:v$version" mastodon/app/streaming.Dockerfile "lib mastodon/lib mastodon/app" --build-arg "MASTODON_VERSION=$version"
done
build redis:7-alpine mastodon/redis/Dockerfile "lib mastodon/lib mastodon/redis"

# jonasal/nginx-certbot:latest: the stand-in's scripts plus this host's Debian nginx and openssl (with the libraries
# the base image lacks, mime.types and openssl.cnf), staged into a build context of their own.
nginx_certbot=jonasal/nginx-certbot:latest
for tool in /usr/sbin/nginx /usr/bin/openssl; do
  [ -x "$tool" ] || { log "$tool is missing: apt-get install nginx-light openssl (only the binaries are used)"; exit 1; }
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/host/usr/sbin" "$stage/host/usr/bin" "$stage/host/etc/nginx" "$stage/host/usr/lib/ssl"
cp -L /usr/sbin/nginx "$stage/host/usr/sbin/nginx"
cp -L /usr/bin/openssl "$stage/host/usr/bin/openssl"
cp -L /etc/nginx/mime.types "$stage/host/etc/nginx/mime.types"
cp -L /usr/lib/ssl/openssl.cnf "$stage/host/usr/lib/ssl/openssl.cnf"
for lib in $( { ldd /usr/sbin/nginx; ldd /usr/bin/openssl; } | grep -o '/[^ ]*' | sort -u); do
  case "$(basename "$lib")" in ld-linux* | libc.so* | libm.so* | libpthread* | libdl.so*) continue ;; esac
  dest="$stage/host$(readlink -f "$(dirname "$lib")")"
  mkdir -p "$dest"
  cp -L "$lib" "$dest/$(basename "$lib")"
done
cp -r "$here/lib" "$here/nginx-certbot" "$stage/"
chmod 0755 "$stage"/nginx-certbot/bin/*
nc_hash=$(printf '%s\n' "$base_id" "$(cd "$stage" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)" | sha256sum | cut -c1-64)
if [ "$(label_of "$nginx_certbot")" = "$nc_hash" ]; then
  log "$nginx_certbot is up to date"
else
  log "building $nginx_certbot"
  docker build --force-rm -f "$stage/nginx-certbot/Dockerfile" --label "wizard-standin.hash=$nc_hash" -t "$nginx_certbot" "$stage" >&2
fi
rm -rf "$stage"
trap - EXIT

# Drop the previous builds that the new ones replaced (dangling images carrying our label).
docker image prune -f --filter label=wizard-standin.hash >/dev/null
log "stand-in images ready"
