#!/usr/bin/env bash
# install-deps.sh: install everything xbar needs on Debian bookworm. Idempotent; quiet when
# everything is already there. Both README commands call it.
#
# - Adds Debian's bookworm-backports suite, reusing the Debian URI that this machine's apt
#   sources already name (deb822 *.sources or one-line sources.list), and installs ngspice 46
#   and libngspice0-dev from it: that build has the KLU sparse solver (see DESIGN.md).
# - Installs the toolchain and libraries from bookworm itself.
#
# When it cannot install (not root, no registry), it lists exactly what is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git           # toolchain (bare on a minimal root)
  libeigen3-dev libboost-math1.74-dev            # linear algebra; statistics and CIs
  libhdf5-dev                                    # campaign and model files (HDF5 1.10 C API)
  doctest-dev                                    # unit tests
  libcli11-dev libtomlplusplus-dev libfmt-dev    # command line, specs, formatting
  libopenmpi-dev openmpi-bin                     # campaigns across machines (XBAR_WITH_MPI)
  gnuplot-nox                                    # plots
  dataset-fashion-mnist                          # benchmark network data set
  libtorch-dev zlib1g-dev                        # networks: autograd, optimizers, TorchScript; gzipped IDX
  python3 python3-h5py python3-numpy python3-torch  # interoperability tests only
)
BACKPORT_PKGS=(ngspice libngspice0 libngspice0-dev)
NGSPICE_MIN=46

say() { printf 'install-deps: %s\n' "$*" >&2; }

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
ngspice_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' libngspice0-dev 2>/dev/null || true)
  [ -n "$v" ] || return 1
  dpkg-query -W -f='${Status}' ngspice 2>/dev/null | grep -q 'install ok installed' || return 1
  [ "${v%%[.+~-]*}" -ge "$NGSPICE_MIN" ] 2>/dev/null
}
need_ngspice=0
ngspice_ok || need_ngspice=1

if [ ${#missing[@]} -eq 0 ] && [ $need_ngspice -eq 0 ]; then
  exit 0   # everything is there: stay quiet
fi

if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=""
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; fi
  if [ -z "$sudo_cmd" ]; then
    say "not root and no password-less sudo, so nothing can be installed."
    [ ${#missing[@]} -gt 0 ] && say "missing from bookworm: ${missing[*]}"
    [ $need_ngspice -eq 1 ] && say "missing from bookworm-backports: ${BACKPORT_PKGS[*]} (version >= $NGSPICE_MIN, for KLU)"
    say "run this script as root, or install those packages and rerun."
    exit 1
  fi
else
  sudo_cmd=""
fi
as_root() { if [ -n "$sudo_cmd" ]; then sudo "$@"; else "$@"; fi; }

# Find the Debian URI the machine already uses (deb822 first, then one-line sources.list).
debian_uri() {
  local uri=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ { if ($0 ~ /bookworm([ \t]|$)/ && u != "") { print u; exit } }' \
            /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 ~ / bookworm / { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
            /etc/apt/sources.list || true)
  fi
  printf '%s' "$uri"
}

export DEBIAN_FRONTEND=noninteractive
bp_list=/etc/apt/sources.list.d/xbar-bookworm-backports.list
if [ $need_ngspice -eq 1 ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(debian_uri)
  if [ -z "$uri" ]; then
    say "no Debian URI for bookworm found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources;"
    say "add a bookworm-backports source by hand, then rerun. Missing: ${BACKPORT_PKGS[*]}"
    exit 1
  fi
  say "adding bookworm-backports from the Debian URI already configured"
  echo "deb $uri bookworm-backports main" | as_root tee "$bp_list" >/dev/null
fi

log=$(mktemp /tmp/xbar-install.XXXXXX.log)
say "installing: ${missing[*]:-} $([ $need_ngspice -eq 1 ] && echo "${BACKPORT_PKGS[*]} (backports)") (log: $log)"
if ! as_root apt-get update -q >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  say "apt-get update failed: is the registry reachable? Missing: ${missing[*]:-} $([ $need_ngspice -eq 1 ] && echo "${BACKPORT_PKGS[*]}")"
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    say "apt-get install failed. Missing: ${missing[*]}"
    exit 1
  fi
fi
if [ $need_ngspice -eq 1 ]; then
  if ! as_root apt-get install -y -q --no-install-recommends -t bookworm-backports "${BACKPORT_PKGS[@]}" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    say "could not install ${BACKPORT_PKGS[*]} from bookworm-backports."
    exit 1
  fi
  if ! ngspice_ok; then
    say "installed ngspice is $(dpkg-query -W -f='${Version}' libngspice0-dev 2>/dev/null || echo none); xbar needs >= $NGSPICE_MIN for KLU."
    exit 1
  fi
fi
rm -f "$log"
say "done"
