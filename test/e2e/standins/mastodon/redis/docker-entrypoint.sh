#!/bin/sh
# Like the real image's entrypoint: options alone mean "redis-server OPTIONS"; the server stand-in owns /data
# and drops to the redis user itself.
set -e
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
exec "$@"
