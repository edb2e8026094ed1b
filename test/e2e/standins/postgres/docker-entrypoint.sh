#!/bin/sh
# Like the postgres image's docker-entrypoint.sh: options alone mean "postgres OPTIONS"; the server stand-in does
# the entrypoint's work itself (PGDATA ownership, dropping to the postgres user, initdb on an empty PGDATA).
set -e
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi
exec "$@"
