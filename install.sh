#!/usr/bin/env bash
# Puts the wizard on a bare Linux server and starts it:
#   curl -fsSL https://github.com/OWNER/wizard/releases/latest/download/install.sh | sudo bash
#   curl -fsSL .../install.sh | sudo bash -s -- --platform rocketchat --domain D --email E --yes
#   curl -fsSL .../install.sh | sudo bash -s -- --uninstall [--yes]
# It downloads the release tarball named below and its signature, checks the tarball's SHA256 against the
# one in this file and its Ed25519 signature against the release key in this file (OpenSSL 3 when root
# owns it, else the Node.js checked below), and only then unpacks it to /opt/wizard/releases/VERSION,
# points /opt/wizard/current at it (symlink + rename) and writes the launcher /usr/local/bin/wizard.
# Node: the system's if it is 22 or newer and it and every folder above it are root's and writable by no
# one else; else Node NODE_VERSION for linux-x64 in /opt/wizard/node, checked against the SHA256 in this
# file (the release build pins it). Downloads are https only.
# Re-running it upgrades the wizard in place; /var/lib/wizard (every install's state) is never touched.
# It cannot vouch for itself: `wizard self-update` checks install.sh.sig before running it, and the README
# ("Releases") shows how to check it by hand.
#
# Environment: WIZARD_RELEASE_URL (the folder holding wizard-VERSION.tar.gz and its .sig),
# WIZARD_NODE_DIST_URL (a folder holding node-vNODE_VERSION-linux-x64.tar.xz), WIZARD_ROOT (prefix of every
# host path it writes; default /). Tests only: WIZARD_UNSAFE_TEST_RELEASES=1 accepts http URLs (and an
# unsigned development build); signatures are still checked against the key in this file.
#
# The release build (release.config.mjs) fills in release_info. This unfilled copy, run as a file from a
# checkout, builds and runs that checkout instead (same as `npm run --silent wizard -- ARGS`).
#
# Everything is a function and the last line calls main inside braces, so a cut-off download runs nothing.

release_info() {
  WIZARD_VERSION='__WIZARD_VERSION__'
  WIZARD_SHA256='__WIZARD_SHA256__'
  NODE_VERSION='__NODE_VERSION__'
  NODE_SHA256_XZ='__NODE_SHA256_XZ__'
  NODE_SHA256_GZ='__NODE_SHA256_GZ__'
  # The release key (Ed25519, base64 of its DER: the body of its PEM), or "unsigned" for a development build.
  RELEASE_KEY='__RELEASE_KEY__'
  DEFAULT_RELEASE_URL='__RELEASE_URL__'
}

say() { printf '%s\n' "$*" >&2; }
ok() { printf '✔ %s\n' "$*" >&2; }
warn() {
  printf '⚠ %s\n' "$1" >&2
  if [ $# -ge 2 ]; then printf '  → %s\n' "$2" >&2; fi
}
# die MESSAGE [REMEDY [EXIT_CODE]]
die() {
  printf '✖ %s\n' "$1" >&2
  if [ -n "${2:-}" ]; then printf '  → %s\n' "$2" >&2; fi
  exit "${3:-1}"
}

is_released() {
  [ "${#WIZARD_SHA256}" -eq 64 ] && [ -z "${WIZARD_SHA256//[0-9a-f]/}" ]
}

# Questions and confirmations need a terminal even when this script came through a pipe.
has_tty() {
  { : </dev/tty; } 2>/dev/null
}

# ---- from a checkout --------------------------------------------------------------------------------

run_checkout() {
  local here
  here="$(cd "$(dirname "$1")" && pwd)"
  shift
  cd "$here"
  command -v npm >/dev/null 2>&1 || die "npm is missing." "Install Node.js and npm first, e.g. apt-get install -y nodejs npm"
  if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing the wizard's dependencies..."
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
  if [ ! -f dist/cli.js ] || [ -n "$(find src steps assets -newer dist/cli.js -print -quit)" ]; then
    npm run --silent build >&2
  fi
  if [ -t 0 ] || ! has_tty; then
    exec npm run --silent wizard -- "$@"
  fi
  exec npm run --silent wizard -- "$@" </dev/tty
}

# ---- checks -----------------------------------------------------------------------------------------

check_linux() {
  local os
  os="$(uname -s)"
  [ "$os" = Linux ] || die "The wizard runs on Linux servers; this is $os."
}

check_arch() {
  local m
  m="$(uname -m)"
  case "$m" in
    x86_64 | amd64) ;;
    aarch64 | arm64) die "This server's CPU architecture is arm64 ($m); the wizard runs on amd64 (x86_64) servers only." "Use an amd64 server: the wizard and the chat platforms' images are built for amd64." ;;
    *) die "This server's CPU architecture is $m; the wizard runs on amd64 (x86_64) servers only." "Use an amd64 server." ;;
  esac
}

# Root, or re-run this script (its functions, not a file: it may have come through a pipe) under sudo.
check_root() {
  [ "$(id -u)" = 0 ] && return 0
  if [ -n "${WIZARD_INSTALL_SUDO:-}" ]; then
    die "Still not root after sudo." "Run it as root: log in as root, or use: curl -fsSL URL | sudo bash"
  fi
  if command -v sudo >/dev/null 2>&1; then
    say "The wizard installs into /opt/wizard and /usr/local/bin as root; asking sudo."
    local envs=(WIZARD_INSTALL_SUDO=1) name
    while IFS= read -r name; do
      case "$name" in WIZARD_* | NO_COLOR | TMPDIR) envs+=("$name=${!name}") ;; esac
    done < <(compgen -e)
    exec sudo env "${envs[@]}" bash -c "$(declare -f); main \"\$@\"" install.sh "$@"
  fi
  die "The wizard installs as root, and this is $(id -un 2>/dev/null || id -u) without sudo." "Run it as root: log in as root (or su -), then: curl -fsSL URL | bash"
}

check_os() {
  local f='' p id='' like='' pretty='' key val
  for p in "$ROOT/etc/os-release" /etc/os-release /usr/lib/os-release; do
    if [ -r "$p" ]; then f="$p" && break; fi
  done
  if [ -z "$f" ]; then
    warn "Can't read /etc/os-release; the distribution is unknown." "Supported: Ubuntu, Debian, AlmaLinux, Rocky Linux."
    return 0
  fi
  while IFS='=' read -r key val; do
    val="${val#[\"\']}"
    val="${val%[\"\']}"
    case "$key" in
      ID) id="$val" ;;
      ID_LIKE) like="$val" ;;
      PRETTY_NAME) pretty="$val" ;;
    esac
  done <"$f"
  pretty="${pretty:-${id:-unknown}}"
  case " $id " in
    " ubuntu " | " debian " | " almalinux " | " rocky ") ok "Operating system   $pretty" ;;
    *)
      case " $like " in
        *" debian "* | *" ubuntu "* | *" rhel "* | *" fedora "*) warn "Operating system   $pretty (like $like); not tested." "Supported: Ubuntu, Debian, AlmaLinux, Rocky Linux; the wizard checks the rest." ;;
        *) warn "Operating system   $pretty is not a tested distribution." "Supported: Ubuntu, Debian, AlmaLinux, Rocky Linux; the wizard checks the rest." ;;
      esac
      ;;
  esac
}

check_tools() {
  if command -v curl >/dev/null 2>&1; then
    DOWNLOADER=curl
  elif command -v wget >/dev/null 2>&1; then
    DOWNLOADER=wget
  else
    die "Neither curl nor wget is installed." "Install one: apt-get install -y curl (Debian, Ubuntu) or dnf install -y curl (AlmaLinux, Rocky)."
  fi
  local t
  for t in tar gzip sha256sum mktemp stat readlink base64 wc; do
    command -v "$t" >/dev/null 2>&1 || die "$t is missing." "Install it with the system's package manager, then re-run this script."
  done
}

# ---- downloads --------------------------------------------------------------------------------------

# check_url URL VARIABLE: https only (http with the test switch).
check_url() {
  case "$1" in
    https://*) ;;
    http://*) [ "$TEST_MODE" = 1 ] || die "$2 is $1; the wizard is downloaded over https only, and nothing was installed." "Set $2 to an https:// URL, or unset it to use the published release." 2 ;;
    *) die "$2 is $1, not an https:// URL; nothing was installed." "Set $2 to an https:// URL, or unset it to use the published release." 2 ;;
  esac
}

# download URL FILE
download() {
  say "Downloading $1"
  if [ "$DOWNLOADER" = curl ]; then
    if [ "$TEST_MODE" = 1 ]; then
      curl -fsSL --retry 3 --connect-timeout 20 -o "$2" "$1"
    else
      curl -fsSL --proto '=https' --proto-redir '=https' --retry 3 --connect-timeout 20 -o "$2" "$1"
    fi
  else
    wget -q --tries=3 --timeout=20 -O "$2" "$1"
  fi
}

refused_remedy() {
  printf '%s' 'Do not install it. The download is damaged, or something between this server and the release folder changed it; try again later, or check the release by hand (see the README, "Releases").'
}

# check_sha256 FILE EXPECTED WHAT
check_sha256() {
  local actual
  actual="$(sha256sum "$1")" || die "Can't compute the SHA256 of $1."
  actual="${actual%% *}"
  if [ "$actual" != "$2" ]; then
    die "The SHA256 of $3 does not match (expected $2, got $actual); nothing was installed." "$(refused_remedy)" 5
  fi
  ok "Checked the SHA256 of $3"
}

fetch_release() {
  local base="${WIZARD_RELEASE_URL:-$DEFAULT_RELEASE_URL}" name="wizard-$WIZARD_VERSION.tar.gz"
  base="${base%/}"
  check_url "$base" WIZARD_RELEASE_URL
  TARBALL="$TMP/$name"
  download "$base/$name" "$TARBALL" ||
    die "Can't download the wizard $WIZARD_VERSION from $base/$name." "Check this server's network and the URL (WIZARD_RELEASE_URL sets the folder)."
  check_sha256 "$TARBALL" "$WIZARD_SHA256" "$name"
  [ "$RELEASE_KEY" != unsigned ] || return 0
  download "$base/$name.sig" "$TARBALL.sig" ||
    die "Can't download the signature $base/$name.sig; an unsigned release is never installed, and nothing was installed." "Check this server's network and the URL (WIZARD_RELEASE_URL sets the folder)." 5
}

# trusted FILE: FILE (a path without symlinks) and every folder above it are owned by root and writable by
# no one else, so no other user can have put or swapped what root runs. Else says why in UNTRUSTED_WHY.
trusted() {
  local p="$1" info mode
  while :; do
    if ! info="$(stat -c '%u %a' -- "$p" 2>/dev/null)"; then
      UNTRUSTED_WHY="can't read the owner of $p"
      return 1
    fi
    mode="${info#* }"
    if [ "${info%% *}" != 0 ]; then
      UNTRUSTED_WHY="$p is owned by uid ${info%% *}, not root"
      return 1
    fi
    if ((8#$mode & 8#022)); then
      UNTRUSTED_WHY="$p can be written by its group or others (mode $mode)"
      return 1
    fi
    [ "$p" != / ] || return 0
    p="$(dirname -- "$p")"
  done
}

# Sets NODE_BIN to a trusted Node 22+ on this system, or fetches and checks the pinned Node (NODE_TARBALL).
# The system's node is not run before it is found trusted.
pick_node() {
  local sys real v major
  NODE_TARBALL=''
  if sys="$(type -P node)"; then
    real="$(readlink -f -- "$sys")" || real="$sys"
    if ! trusted "$real"; then
      say "Not using the system's Node.js $sys: $UNTRUSTED_WHY. The wizard gets its own Node.js $NODE_VERSION in $OPT/node."
    elif v="$("$real" --version 2>/dev/null)"; then
      major="${v#v}"
      major="${major%%.*}"
      if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 22 ]; then
        NODE_BIN="$real"
        ok "Node.js            $v ($real)"
        return 0
      fi
      say "The system's Node.js $v is older than 22; the wizard gets its own Node.js $NODE_VERSION in $OPT/node."
    else
      say "The system's Node.js $real does not run; the wizard gets its own Node.js $NODE_VERSION in $OPT/node."
    fi
  else
    say "No Node.js on this system; the wizard gets its own Node.js $NODE_VERSION in $OPT/node."
  fi
  fetch_node
}

fetch_node() {
  local base="${WIZARD_NODE_DIST_URL:-https://nodejs.org/dist/v$NODE_VERSION}" ext=tar.xz sum="$NODE_SHA256_XZ" file
  base="${base%/}"
  check_url "$base" WIZARD_NODE_DIST_URL
  if ! command -v xz >/dev/null 2>&1; then
    ext=tar.gz
    sum="$NODE_SHA256_GZ"
  fi
  NODE_DIR="node-v$NODE_VERSION-linux-x64"
  file="$NODE_DIR.$ext"
  if [ "$(readlink "$OPT/node" 2>/dev/null)" = "$NODE_DIR" ] && "$OPT/$NODE_DIR/bin/node" --version >/dev/null 2>&1; then
    ok "Node.js            $(node_version) already in $OPT/node"
    NODE_BIN="$OPT/node/bin/node"
    return 0
  fi
  NODE_TARBALL="$TMP/$file"
  download "$base/$file" "$NODE_TARBALL" || die "Can't download $base/$file." "Check this server's network and the URL (WIZARD_NODE_DIST_URL sets the folder)."
  check_sha256 "$NODE_TARBALL" "$sum" "$file"
  NODE_BIN="$OPT/node/bin/node"
}

# The release key's fingerprint: SHA-256 of its DER, as the README prints it.
key_fingerprint() {
  local fp
  fp="$(printf '%s' "$RELEASE_KEY" | base64 -d | sha256sum)"
  printf '%s' "${fp%% *}"
}

# Checks the tarball's signature before anything is unpacked: with OpenSSL 3 when it is root's own
# (trusted), else with the Node.js picked above (the system's trusted one, or the pinned download).
verify_release() {
  local openssl real v node out fp
  if [ "$RELEASE_KEY" = unsigned ]; then
    warn "This is an unsigned development build: the tarball's signature is not checked (WIZARD_UNSAFE_TEST_RELEASES=1)."
    return 0
  fi
  fp="$(key_fingerprint)"
  if [ "$(wc -c <"$TARBALL.sig")" -ne 64 ]; then
    die "wizard-$WIZARD_VERSION.tar.gz.sig is not an Ed25519 signature; nothing was installed." "$(refused_remedy)" 5
  fi
  if openssl="$(type -P openssl)" && real="$(readlink -f -- "$openssl")" && trusted "$real" &&
    v="$("$real" version 2>/dev/null)" && [[ "$v" =~ ^OpenSSL\ (([3-9]|[1-9][0-9])\.[0-9.]+) ]]; then
    v="OpenSSL ${BASH_REMATCH[1]}"
    printf -- '-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n' "$RELEASE_KEY" >"$TMP/release-key.pem"
    if out="$("$real" pkeyutl -verify -pubin -inkey "$TMP/release-key.pem" -rawin -in "$TARBALL" -sigfile "$TARBALL.sig" 2>&1)" &&
      [[ "$out" == *"Signature Verified Successfully"* ]]; then
      ok "Checked the signature of wizard-$WIZARD_VERSION.tar.gz (release key $fp, with $v)"
      return 0
    fi
  else
    node="$NODE_BIN"
    if [ -n "$NODE_TARBALL" ]; then
      # The pinned Node, checked above, not yet installed: only its binary, into this run's own folder.
      if ! { mkdir "$TMP/node-check" && tar -xf "$NODE_TARBALL" -C "$TMP/node-check" --no-same-owner "$NODE_DIR/bin/node"; }; then
        die "Can't unpack Node.js to check the release's signature."
      fi
      node="$TMP/node-check/$NODE_DIR/bin/node"
    fi
    if "$node" -e '
      const c = require("node:crypto"), fs = require("node:fs");
      const [key, file, sig] = process.argv.slice(1);
      const pub = c.createPublicKey({ key: Buffer.from(key, "base64"), format: "der", type: "spki" });
      process.exit(c.verify(null, fs.readFileSync(file), pub, fs.readFileSync(sig)) ? 0 : 1);
    ' "$RELEASE_KEY" "$TARBALL" "$TARBALL.sig" 2>/dev/null; then
      ok "Checked the signature of wizard-$WIZARD_VERSION.tar.gz (release key $fp, with Node.js)"
      return 0
    fi
  fi
  die "wizard-$WIZARD_VERSION.tar.gz does not match its signature by the release key $fp; nothing was installed." "$(refused_remedy)" 5
}

# node-v24.1.0-linux-x64 -> v24.1.0
node_version() {
  local v="${NODE_DIR#node-}"
  printf '%s' "${v%-linux-x64}"
}

# ---- installing -------------------------------------------------------------------------------------

# switch_link TARGET LINK: LINK points at TARGET after one rename, never missing in between.
switch_link() {
  if ! { ln -sfn "$1" "$2.new-$$" && mv -Tf "$2.new-$$" "$2"; }; then die "Can't point $2 at $1."; fi
}

install_node() {
  [ -n "$NODE_TARBALL" ] || return 0
  local new="$OPT/.$NODE_DIR.new-$$" old
  CLEANUP+=("$new")
  if ! { rm -rf "$new" && mkdir -p "$new"; }; then die "Can't create $new."; fi
  tar -xf "$NODE_TARBALL" -C "$new" --no-same-owner || die "Can't unpack $(basename "$NODE_TARBALL") into $OPT."
  [ -x "$new/$NODE_DIR/bin/node" ] || die "The Node tarball holds no $NODE_DIR/bin/node."
  "$new/$NODE_DIR/bin/node" --version >/dev/null 2>&1 ||
    die "The downloaded Node.js does not run on this system." "It needs glibc 2.28 or newer (Debian 10+, Ubuntu 20.04+, RHEL 8+); or install Node.js 22+ and re-run."
  rm -rf "${OPT:?}/$NODE_DIR"
  if ! { mv "$new/$NODE_DIR" "$OPT/$NODE_DIR" && rmdir "$new"; }; then die "Can't move Node.js into $OPT/$NODE_DIR."; fi
  switch_link "$NODE_DIR" "$OPT/node"
  for old in "$OPT"/node-v*-linux-x64; do
    if [ -d "$old" ] && [ "$old" != "$OPT/$NODE_DIR" ]; then rm -rf "$old"; fi
  done
  ok "Installed Node.js $(node_version) in $OPT/node"
}

install_release() {
  local rel="$OPT/releases" previous dir answer
  local new="$rel/.$WIZARD_VERSION.new-$$" top="wizard-$WIZARD_VERSION"
  mkdir -p "$rel" || die "Can't create $rel."
  CLEANUP+=("$new" "$rel/.$WIZARD_VERSION.old-$$")
  if ! { rm -rf "$new" && mkdir "$new"; }; then die "Can't create $new."; fi
  tar -xzf "$TARBALL" -C "$new" --no-same-owner || die "Can't unpack wizard-$WIZARD_VERSION.tar.gz into $rel."
  [ -f "$new/$top/dist/cli.js" ] || die "The release tarball holds no $top/dist/cli.js."
  answer="$("$NODE_BIN" "$new/$top/dist/cli.js" --version 2>&1)" ||
    die "The wizard $WIZARD_VERSION does not start on $NODE_BIN: $answer"
  [ "$answer" = "$WIZARD_VERSION" ] || die "The unpacked wizard says it is \"$answer\", not $WIZARD_VERSION."
  previous="$(readlink "$OPT/current" 2>/dev/null)" || previous=''
  if [ -e "$rel/$WIZARD_VERSION" ]; then mv "$rel/$WIZARD_VERSION" "$rel/.$WIZARD_VERSION.old-$$"; fi
  if ! { mv "$new/$top" "$rel/$WIZARD_VERSION" && rmdir "$new"; }; then die "Can't move the wizard into $rel/$WIZARD_VERSION."; fi
  switch_link "releases/$WIZARD_VERSION" "$OPT/current"
  rm -rf "$rel/.$WIZARD_VERSION.old-$$"
  # After an upgrade, keep this release and the one before it (to go back by hand); drop older ones.
  if [ -n "$previous" ] && [ "$previous" != "releases/$WIZARD_VERSION" ]; then
    for dir in "$rel"/*; do
      case "$dir" in "$rel/$WIZARD_VERSION" | "$OPT/$previous") ;; *) if [ -d "$dir" ]; then rm -rf "$dir"; fi ;; esac
    done
  fi
  case "$previous" in
    '') ok "Installed the wizard $WIZARD_VERSION in $rel/$WIZARD_VERSION" ;;
    "releases/$WIZARD_VERSION") ok "Reinstalled the wizard $WIZARD_VERSION in $rel/$WIZARD_VERSION" ;;
    *) ok "Upgraded the wizard from ${previous#releases/} to $WIZARD_VERSION" ;;
  esac
}

launcher_marker() {
  printf '%s' '# Launcher written by the wizard'"'"'s install.sh.'
}

write_launcher() {
  local launcher="$BIN/wizard" tmp="$BIN/.wizard.new-$$"
  mkdir -p "$BIN" || die "Can't create $BIN."
  if [ -e "$launcher" ] && ! grep -qF "$(launcher_marker)" "$launcher" 2>/dev/null; then
    warn "Replacing $launcher, which install.sh did not write."
  fi
  CLEANUP+=("$tmp")
  case "$NODE_BIN" in *"'"*) die "The Node.js path $NODE_BIN holds a quote; the launcher cannot name it." ;; esac
  if ! {
    {
      printf '#!/bin/sh\n%s\n# Upgrade: re-run install.sh; remove: install.sh --uninstall.\n' "$(launcher_marker)"
      printf "NODE='%s'\nCLI='%s'\n" "$NODE_BIN" "$OPT/current/dist/cli.js"
      cat <<'EOF'
if [ ! -x "$NODE" ]; then
  echo "✖ Node.js is missing at $NODE." >&2
  echo "  → Re-run install.sh to set it up again." >&2
  exit 1
fi
exec "$NODE" "$CLI" "$@"
EOF
    } >"$tmp" && chmod 0755 "$tmp" && mv -f "$tmp" "$launcher"
  }; then
    die "Can't write the launcher $launcher."
  fi
  ok "Linked $launcher"
}

cleanup() {
  local p
  for p in "${CLEANUP[@]}"; do rm -rf "$p"; done
}

# ---- uninstalling -----------------------------------------------------------------------------------

uninstall() {
  local yes=0 a answer ours=0
  for a in "$@"; do
    case "$a" in
      -y | --yes) yes=1 ;;
      *) die "--uninstall takes only --yes; got $a." "curl -fsSL URL | sudo bash -s -- --uninstall --yes" 2 ;;
    esac
  done
  if [ -f "$BIN/wizard" ] && grep -qF "$(launcher_marker)" "$BIN/wizard" 2>/dev/null; then ours=1; fi
  if [ "$ours" = 0 ] && [ ! -e "$OPT/current" ] && [ ! -e "$OPT/releases" ] && [ ! -e "$OPT/node" ]; then
    say "The wizard is not installed here ($OPT, $BIN/wizard); nothing to remove."
    return 0
  fi
  say "This removes the wizard: $OPT (its releases and its Node.js) and $BIN/wizard."
  say "It keeps every install's state ($ROOT/var/lib/wizard), the logs ($ROOT/var/log/wizard), and every platform's data and containers."
  if [ "$yes" = 0 ]; then
    has_tty || die "No terminal to confirm in; nothing was removed." "Add --yes: curl -fsSL URL | sudo bash -s -- --uninstall --yes" 2
    printf '? Remove the wizard? (y/N) ' >/dev/tty
    read -r answer </dev/tty || answer=''
    case "$answer" in
      y | Y | yes | YES) ;;
      *) die "Cancelled; nothing was removed." '' 130 ;;
    esac
  fi
  if [ "$ours" = 1 ]; then rm -f "$BIN/wizard" || die "Can't remove $BIN/wizard."; fi
  rm -rf "$OPT/current" "$OPT/node" "$OPT/releases" "$OPT"/node-v*-linux-x64 || die "Can't remove the wizard from $OPT."
  rmdir "$OPT" 2>/dev/null || warn "$OPT holds other files; left them in place."
  ok "Removed the wizard. Every install's state stays in $ROOT/var/lib/wizard."
}

# ---- main -------------------------------------------------------------------------------------------

main() {
  set -euo pipefail
  umask 022
  release_info
  if ! is_released; then
    local src="${BASH_SOURCE[0]:-}"
    if [ -f "$src" ] && [ -f "$(dirname "$src")/package.json" ]; then run_checkout "$src" "$@"; fi
    die "This install.sh is the unreleased template from the source tree." "Download install.sh from a release (https://github.com/OWNER/wizard/releases), or from a checkout run: npm install && sudo npm run --silent wizard -- ARGS"
  fi

  local args=() a remove=0
  for a in "$@"; do
    if [ "$a" = --uninstall ]; then remove=1; else args+=("$a"); fi
  done
  case "${WIZARD_UNSAFE_TEST_RELEASES:-}" in
    '') TEST_MODE=0 ;;
    1) TEST_MODE=1 ;;
    *) die "WIZARD_UNSAFE_TEST_RELEASES is \"$WIZARD_UNSAFE_TEST_RELEASES\"; it is 1 (tests only) or unset." "Unset it: unset WIZARD_UNSAFE_TEST_RELEASES" 2 ;;
  esac
  ROOT="${WIZARD_ROOT:-/}"
  ROOT="${ROOT%/}"
  case "$ROOT" in '' | /*) ;; *) die "WIZARD_ROOT must be an absolute path; it is $ROOT." '' 2 ;; esac
  case "$ROOT" in *"'"* | *\\*) die "WIZARD_ROOT must not hold quotes or backslashes." '' 2 ;; esac
  OPT="$ROOT/opt/wizard"
  BIN="$ROOT/usr/local/bin"
  CLEANUP=()

  check_linux
  if [ "$remove" = 1 ]; then
    check_root "$@"
    uninstall ${args[@]+"${args[@]}"}
    return 0
  fi
  check_arch
  check_root "$@"
  if [ "$TEST_MODE" = 1 ]; then
    warn "WIZARD_UNSAFE_TEST_RELEASES=1: http downloads are accepted. Tests only, never on a real server."
  fi
  if [ "$RELEASE_KEY" = unsigned ] && [ "$TEST_MODE" != 1 ]; then
    die "This install.sh comes from an unsigned development build (npm run release -- --unsigned); it installs nothing." "Download install.sh from a release: https://github.com/OWNER/wizard/releases" 5
  fi
  say "Installing the wizard $WIZARD_VERSION"
  ok "CPU architecture   amd64 ($(uname -m))"
  check_os
  check_tools

  TMP="$(mktemp -d "${TMPDIR:-/tmp}/wizard-install.XXXXXX")" || die "Can't create a temporary folder in ${TMPDIR:-/tmp}."
  CLEANUP+=("$TMP")
  trap cleanup EXIT
  # Everything is downloaded and checked (checksums, then the signature) before anything is unpacked or
  # written under $OPT.
  fetch_release
  pick_node
  verify_release
  install_node
  install_release
  write_launcher
  cleanup
  trap - EXIT

  local cmd=wizard
  [ -z "$ROOT" ] || cmd="$BIN/wizard"
  if has_tty; then
    exec "$BIN/wizard" ${args[@]+"${args[@]}"} </dev/tty
  elif [ "${#args[@]}" -gt 0 ]; then
    exec "$BIN/wizard" "${args[@]}" </dev/null
  fi
  printf '%s\n' \
    "The wizard $WIZARD_VERSION is installed. There is no terminal here to ask its questions in; run it with" \
    "its answers as flags or in an answers file:" \
    "  sudo $cmd --platform rocketchat --domain chat.example.com --email admin@example.com --yes" \
    "  sudo $cmd --answers answers.yml --yes" \
    "or log in with a terminal and run: sudo $cmd" \
    "(The same flags go through this script: curl -fsSL URL | sudo bash -s -- --platform ... --yes)"
}

{ main "$@"; }
