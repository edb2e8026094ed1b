#!/bin/sh
# Like the real image's entrypoint: options alone mean "nats-server OPTIONS" (upstream passes --http_port 8222).
set -e
if [ "${1#-}" != "$1" ]; then set -- nats-server "$@"; fi
exec "$@"
