#!/bin/sh
# Like the real image's /entrypoint.sh: hand over to systemd (here the stand-in's), which starts chatmail-init.
set -e
exec /lib/systemd/systemd "$@"
