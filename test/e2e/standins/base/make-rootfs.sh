#!/usr/bin/env bash
# Builds the root filesystem of the stand-in base image from this host's own files (no registry):
#   /bin/sh = dash, busybox-static applets in /usr/bin (never sh/ash/hush/nc), Node as /usr/local/bin/node,
#   the shared libraries node and dash need, /etc/passwd+group with the users the stand-ins run as, /tmp 1777.
# Usage: make-rootfs.sh NODE_BINARY TARGET_DIR   (TARGET_DIR must not exist)
set -euo pipefail

node_bin=$1
root=$2
[ ! -e "$root" ] || { echo "make-rootfs: $root already exists" >&2; exit 1; }

mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin} "$root"/{etc,root,tmp,var/tmp,proc,sys,dev,run,opt,home/mongodb}
# Debian bookworm layout: merged /usr.
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp" "$root/var/tmp"

# dash is /bin/sh: busybox's sh would run its own applets before PATH (and so bypass the fake nc).
install -m 0755 "$(readlink -f /bin/dash)" "$root/usr/bin/dash"
ln -s dash "$root/usr/bin/sh"

install -m 0755 /bin/busybox "$root/usr/bin/busybox"
for applet in $(/bin/busybox --list); do
  case "$applet" in
    sh | ash | hush | nc | busybox) continue ;;
  esac
  [ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
done

install -m 0755 "$node_bin" "$root/usr/local/bin/node"

# Shared libraries of node and dash (busybox is static), copied at the paths ldd prints.
for lib in $( { ldd "$node_bin"; ldd /bin/dash; } | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$(dirname "$root$lib")"
  [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
mongodb:x:1001:1001:MongoDB:/home/mongodb:/bin/sh
rocketchat:x:65533:65533:Rocket.Chat:/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
mongodb:x:1001:
rocketchat:x:65533:
nogroup:x:65534:
EOF
chown 1001:1001 "$root/home/mongodb"
# glibc resolves container names (mongodb, nats) through these.
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
printf 'PRETTY_NAME="wizard stand-in base (Debian bookworm host files)"\nID=wizard-standin\n' >"$root/etc/os-release"
