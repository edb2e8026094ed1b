#!/bin/sh
# The real image's health check, step for step: healthy once chatmail-init succeeded and the relay's services run.
set -e
test -f /run/chatmail-init.done
services="chatmail-metadata doveauth dovecot filtermail filtermail-incoming filtermail-transport nginx postfix unbound"
for svc in iroh-relay turnserver; do
  systemctl is-enabled "$svc" 2>/dev/null && services="$services $svc"
done
exec systemctl is-active $services
