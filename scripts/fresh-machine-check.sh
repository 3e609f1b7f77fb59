#!/usr/bin/env bash
# Runs the README's two commands on a pristine Debian 12 (bookworm) root, as
# a new user of a fresh machine would: nothing installed by hand, no ccache
# cache, no venv, no CUDA toolkit. Too slow for CI (about 45 minutes of both
# cores); run it before resolving an issue that touches setup, the build or
# the demo (README "Checking a fresh machine", docs/toolchain.md).
#
#   scripts/fresh-machine-check.sh [WORK_DIR] [--tarball=FILE] [--setup-only]
#                                  [--with-cuda]
#
# WORK_DIR (default /var/tmp/bitsink-fresh) is removed first, then gets:
#   root/               debootstrap's bookworm (default variant), with a
#                       fresh `git clone` of this repository's committed HEAD
#                       in root/work/bitsink
#   test.log, demo.log  the full output of each command
# --tarball=FILE        reuse debootstrap's download of the base system
#                       (--make-tarball on the first use, --unpack-tarball
#                       after): only the pristine base packages, saves the
#                       download
# --setup-only          run `bash scripts/setup.sh` alone (checks that setup
#                       installs all the build needs on a pristine root)
# --with-cuda           also give the root this machine's CUDA toolkit,
#                       read-only at /usr/local/cuda, with the variables
#                       the machine image sets (CUDA_HOME, LIBRARY_PATH):
#                       machines of this project's kind come with it, no
#                       setup of ours installs it. Without it the build
#                       turns its CUDA parts off and the nvptx/cuda tests
#                       are unsupported.
#
# Inside the root it runs, from root/work/bitsink and exactly as the README
# writes them, `bash scripts/test.sh` then `bash scripts/demo.sh`, prints
# each one's wall time and exit status and a summary line, and exits non-zero
# if either fails. The root is reached with chroot in a private mount
# namespace (unshare): of the host it sees only /proc, /sys and /dev, and
# copies of the network settings every machine here has (DNS, the Debian
# sources and apt's Acquire settings, the TLS egress CA certificates, pip's
# network configuration); nothing of the host's toolchains, packages or
# caches. Needs root and debootstrap (installed from Debian if missing).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK=/var/tmp/bitsink-fresh
TARBALL=""
SETUP_ONLY=0
WITH_CUDA=0
for arg in "$@"; do
  case "$arg" in
  --tarball=*) TARBALL="${arg#--tarball=}" ;;
  --setup-only) SETUP_ONLY=1 ;;
  --with-cuda) WITH_CUDA=1 ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "fresh-machine-check: unknown option '$arg'" >&2
    exit 2
    ;;
  *) WORK="$arg" ;;
  esac
done

say() { echo "fresh-machine-check: $*"; }
die() {
  echo "fresh-machine-check: error: $*" >&2
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts)"
WORK="$(realpath -m "$WORK")"
# WORK is removed first: only a new or empty directory, or one an earlier
# run made (it holds the marker file), is accepted.
MARKER=.bitsink-fresh-machine-check
case "$WORK" in
/ | "$REPO" | "$REPO"/*)
  die "refusing to use '$WORK' as the work directory (it is removed first)"
  ;;
esac
if [[ -d "$WORK" && ! -f "$WORK/$MARKER" && -n "$(ls -A "$WORK")" ]]; then
  die "refusing to remove '$WORK': not empty and not made by this script"
fi
[[ -z "$TARBALL" ]] || TARBALL="$(realpath -m "$TARBALL")"

# Everything below runs in a private mount namespace: the mounts of the root
# (and debootstrap's own) never show on the host and vanish with it.
if [[ "${BITSINK_FRESH_NAMESPACE:-}" != 1 ]]; then
  command -v unshare >/dev/null || die "unshare (util-linux) is missing"
  args=("$WORK")
  [[ -z "$TARBALL" ]] || args+=("--tarball=$TARBALL")
  ((SETUP_ONLY)) && args+=(--setup-only)
  ((WITH_CUDA)) && args+=(--with-cuda)
  exec unshare --mount --propagation private --fork \
    env BITSINK_FRESH_NAMESPACE=1 bash "${BASH_SOURCE[0]}" "${args[@]}"
fi

ROOTFS="$WORK/root"
SUITE=bookworm
MOUNTS=()
cleanup() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount -l "${MOUNTS[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Never remove through a mount (a /dev bound by an earlier, interrupted run
# outside this script): unmount whatever is still mounted under WORK.
while read -r target; do
  [[ -n "$target" ]] && umount -l "$target"
done < <(findmnt -rn -o TARGET | awk -v w="$WORK" 'index($0, w "/") == 1' |
  sort -r)
say "removing $WORK"
rm -rf --one-file-system "$WORK"
mkdir -p "$WORK"
touch "$WORK/$MARKER"

if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap (Debian's package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# The host's Debian sources: the deb822 stanzas and one-line entries of the
# bookworm suites (main, updates, security), which the root gets as they are,
# and the mirror that serves bookworm itself, which debootstrap uses.
debian_sources() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk -v suite="$SUITE" '
      function flush() {
        if (stanza != "" && types ~ /(^| )deb( |$)/ && enabled != "no" &&
            suites ~ ("(^| )" suite "(-updates|-security)?( |$)"))
          printf "%s\n", stanza
        stanza = ""; types = ""; suites = ""; enabled = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      {
        stanza = stanza $0 "\n"
        if (tolower($1) == "types:") { $1 = ""; types = $0 " " }
        if (tolower($1) == "suites:") { $1 = ""; suites = $0 " " }
        if (tolower($1) == "enabled:") enabled = tolower($2)
      }
      END { flush() }' "$file"
  done
}
debian_list_lines() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$file" ]] || continue
    awk -v suite="$SUITE" '
      $1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) while (i <= NF && $i !~ /\]$/) i++
        if ($2 ~ /^\[/) i++
        if ($(i + 1) ~ ("^" suite "(-updates|-security)?$")) print
      }' "$file"
  done
}
SOURCES="$(debian_sources)"
LIST_LINES="$(debian_list_lines)"
MIRROR="$(
  {
    printf '%s\n' "$SOURCES" | awk -v suite="$SUITE" '
      /^[ \t]*$/ { if (uri != "" && suites ~ ("(^| )" suite "( |$)")) print uri;
                   uri = ""; suites = "" }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 " " }
      END { if (uri != "" && suites ~ ("(^| )" suite "( |$)")) print uri }'
    printf '%s\n' "$LIST_LINES" | awk -v suite="$SUITE" '
      { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) print $i }'
  } | head -n 1
)"
[[ -n "$MIRROR" ]] || MIRROR=http://deb.debian.org/debian
say "Debian mirror: $MIRROR (from this machine's apt sources)"

ARCH="$(dpkg --print-architecture)"
start=$SECONDS
if [[ -n "$TARBALL" ]]; then
  if [[ ! -f "$TARBALL" ]]; then
    say "debootstrap --make-tarball=$TARBALL ($SUITE, $ARCH)"
    mkdir -p "$(dirname "$TARBALL")"
    debootstrap --arch="$ARCH" --make-tarball="$TARBALL" "$SUITE" \
      "$WORK/make-tarball" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
      die "debootstrap --make-tarball failed (see $WORK/debootstrap.log)"
    rm -rf --one-file-system "$WORK/make-tarball"
  fi
  say "debootstrap $SUITE from $TARBALL"
  debootstrap --arch="$ARCH" --unpack-tarball="$TARBALL" "$SUITE" "$ROOTFS" \
    "$MIRROR" >>"$WORK/debootstrap.log" 2>&1 ||
    die "debootstrap failed (see $WORK/debootstrap.log)"
else
  say "debootstrap $SUITE ($ARCH) from $MIRROR"
  debootstrap --arch="$ARCH" "$SUITE" "$ROOTFS" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 ||
    die "debootstrap failed (see $WORK/debootstrap.log)"
fi
say "pristine $SUITE root in $((SECONDS - start)) s: $ROOTFS"

# The machine's network settings, copied (nothing else of the host).
rm -f "$ROOTFS/etc/apt/sources.list"
if [[ -n "$SOURCES" ]]; then
  printf '%s\n' "$SOURCES" >"$ROOTFS/etc/apt/sources.list.d/debian.sources"
fi
if [[ -n "$LIST_LINES" ]]; then
  printf '%s\n' "$LIST_LINES" >"$ROOTFS/etc/apt/sources.list"
fi
if [[ -z "$SOURCES$LIST_LINES" ]]; then
  echo "deb $MIRROR $SUITE main" >"$ROOTFS/etc/apt/sources.list"
fi
grep -h '^[[:space:]]*Acquire::' /etc/apt/apt.conf /etc/apt/apt.conf.d/* \
  2>/dev/null | grep -v 'IndexTargets' \
  >"$ROOTFS/etc/apt/apt.conf.d/99host-network" || true
cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  # The TLS egress CAs: ca-certificates, once setup installs it, adds them
  # to the root's bundle.
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt \
    "$ROOTFS/usr/local/share/ca-certificates/"
fi
[[ -f /etc/pip.conf ]] && cp /etc/pip.conf "$ROOTFS/etc/pip.conf"

# What the root lacks that this machine has (the fresh machine of this
# project's kind may have it: then those parts are checked only here).
if ((WITH_CUDA)); then
  [[ -d /usr/local/cuda ]] || die "--with-cuda: this machine has no /usr/local/cuda"
  say "the root gets this machine's CUDA toolkit, read-only at /usr/local/cuda" \
    "($(realpath /usr/local/cuda))"
elif [[ -d /usr/local/cuda ]]; then
  say "note: the root has no /usr/local/cuda (this machine has one): the" \
    "build turns its CUDA parts off (BITSINK_ENABLE_CUDA follows" \
    "find_package(CUDAToolkit)) and the cuda/nvptx tests are unsupported" \
    "(--with-cuda gives it the toolkit)"
fi
command -v nvidia-smi >/dev/null &&
  say "note: the root has no NVIDIA driver tools: the demo builds no CUDA" \
    "artifact"

COMMIT="$(git -C "$REPO" rev-parse HEAD)"
[[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]] ||
  say "note: $REPO has uncommitted changes: the root gets HEAD only"
mkdir -p "$ROOTFS/work"
git clone --quiet --no-local "$REPO" "$ROOTFS/work/bitsink"
git -C "$ROOTFS/work/bitsink" checkout --quiet --detach "$COMMIT"
say "clone of $COMMIT in $ROOTFS/work/bitsink"

mount_in_root() {
  mkdir -p "$ROOTFS$2"
  mount "${@:3}" "$1" "$ROOTFS$2"
  MOUNTS+=("$ROOTFS$2")
}
mount_in_root proc /proc -t proc
mount_in_root sysfs /sys -t sysfs
mount_in_root /dev /dev --rbind
if ((WITH_CUDA)); then
  mount_in_root "$(realpath /usr/local/cuda)" /usr/local/cuda --bind
  mount -o remount,bind,ro "$ROOTFS/usr/local/cuda"
fi

# A login-like environment: the host's variables do not leak in, except
# those that reach the network (proxies, CA bundles, pip's index).
ENV=(HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8
  TERM="${TERM:-dumb}"
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for name in http_proxy https_proxy no_proxy all_proxy HTTP_PROXY \
  HTTPS_PROXY NO_PROXY ALL_PROXY SSL_CERT_FILE SSL_CERT_DIR \
  REQUESTS_CA_BUNDLE CURL_CA_BUNDLE PIP_CERT PIP_INDEX_URL \
  PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT; do
  [[ -n "${!name:-}" ]] && ENV+=("$name=${!name}")
done
((WITH_CUDA)) &&
  ENV+=(CUDA_HOME=/usr/local/cuda LIBRARY_PATH=/usr/local/cuda/lib64/stubs)

# Runs one command in the root from the clone; prints and records its wall
# time and exit status.
RESULTS=()
FAILED=0
run_in_root() {
  local log="$1" command="$2" begin status
  say "running \`$command\` in the root (log: $WORK/$log)"
  begin=$SECONDS
  set +e
  env -i "${ENV[@]}" chroot "$ROOTFS" /bin/bash -c \
    "cd /work/bitsink && $command" </dev/null 2>&1 | tee "$WORK/$log"
  status=${PIPESTATUS[0]}
  set -e
  local seconds=$((SECONDS - begin))
  say "\`$command\`: exit $status after ${seconds} s" \
    "($((seconds / 60)) min $((seconds % 60)) s)"
  RESULTS+=("\`$command\` exit $status in ${seconds} s")
  ((status == 0)) || FAILED=1
}

if ((SETUP_ONLY)); then
  run_in_root setup.log "bash scripts/setup.sh"
else
  run_in_root test.log "bash scripts/test.sh"
  run_in_root demo.log "bash scripts/demo.sh"
fi

summary="$(printf '%s; ' "${RESULTS[@]}")"
if ((FAILED)); then
  say "FAIL on a pristine Debian 12 root at ${COMMIT:0:12}: ${summary%; }"
  exit 1
fi
say "PASS on a pristine Debian 12 root at ${COMMIT:0:12}: ${summary%; }"
