#!/bin/sh
# Like the real image's entrypoint: options alone mean "postgres OPTIONS"; postgres itself is server.mjs, which
# does what the real entrypoint does as root (own PGDATA, initialise it) before it serves.
set -e
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi
exec "$@"
