#!/bin/sh
# Like the real image's entrypoint (docker-entrypoint.py): options alone mean "mongod OPTIONS", and mongod
# listens on all interfaces unless a --bind_ip option is given. Upstream's compose file overrides the entrypoint.
set -e
if [ "${1#-}" != "$1" ]; then set -- mongod "$@"; fi
if [ "$1" = mongod ]; then
  case " $* " in
    *" --bind_ip"*) ;;
    *) set -- "$@" --bind_ip_all ;;
  esac
fi
exec "$@"
