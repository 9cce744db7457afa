# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; it defines functions and
# exports the shared cargo target dir. It does not change shell options.

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPTS_DIR/.." && pwd)"
export REPO_ROOT SCRIPTS_DIR

# One target dir for every build of this project (scripts, developers, CI), outside the
# repo so clean clones share it and editors do not index it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-desktop/target}"

# `cargo install` puts tools here; make sure they are found.
case ":$PATH:" in
  *":${CARGO_HOME:-$HOME/.cargo}/bin:"*) ;;
  *) export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" ;;
esac

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  _B=$'\033[1m' _G=$'\033[32m' _R=$'\033[31m' _N=$'\033[0m'
else
  _B='' _G='' _R='' _N=''
fi

say()  { printf '%s\n' "-- $*"; }
warn() { printf '%s\n' "${_B}warning:${_N} $*" >&2; }
die()  { printf '%s\n' "${_R}${_B}error:${_N} $*" >&2; exit 1; }

# Runs a command as root: directly, with sudo (non-interactive in CI), or fails clearly.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    if [ -n "${CI:-}" ]; then sudo -n "$@"; else sudo "$@"; fi
  else
    die "need root for: $* (not root and no sudo). Run it as root, then re-run this script."
  fi
}

# Starts Xvfb on a free display (Xvfb picks it: -displayfd) and exports DISPLAY.
# Sets XVFB_PID; stop it with stop_xvfb.
start_xvfb() {
  command -v Xvfb >/dev/null 2>&1 || die "Xvfb is missing (apt package xvfb; scripts/setup.sh installs it)"
  local fdfile
  fdfile="$(mktemp)"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fdfile" >/dev/null 2>&1 &
  XVFB_PID=$!
  for _ in $(seq 1 100); do
    if [ -s "$fdfile" ]; then break; fi
    if ! kill -0 "$XVFB_PID" 2>/dev/null; then rm -f "$fdfile"; die "Xvfb failed to start"; fi
    sleep 0.1
  done
  [ -s "$fdfile" ] || { rm -f "$fdfile"; die "Xvfb did not report a display within 10 s"; }
  DISPLAY=":$(tr -d '[:space:]' <"$fdfile")"
  rm -f "$fdfile"
  export DISPLAY XVFB_PID
  unset WAYLAND_DISPLAY
}

stop_xvfb() {
  if [ -n "${XVFB_PID:-}" ]; then
    kill -TERM "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
    XVFB_PID=
  fi
}

# The shared test data (FHIR R4 examples, Synthea) lives next to the repository, in
# ../shared/data. A clone made elsewhere (CI) finds it next to the repository it was
# cloned from. Exports CLINIC_SHARED_DATA; fails when it is nowhere.
export_shared_data() {
  local candidates=() origin
  [ -n "${CLINIC_SHARED_DATA:-}" ] && candidates+=("$CLINIC_SHARED_DATA")
  candidates+=("$REPO_ROOT/../shared/data")
  origin="$(git -C "$REPO_ROOT" config --get remote.origin.url 2>/dev/null || true)"
  origin="${origin#file://}"
  [ -n "$origin" ] && [ -d "$origin" ] && candidates+=("$origin/../shared/data")
  local dir
  for dir in "${candidates[@]}"; do
    if [ -d "$dir/fhir-r4-examples" ]; then
      CLINIC_SHARED_DATA="$(cd "$dir" && pwd)"
      export CLINIC_SHARED_DATA
      return 0
    fi
  done
  echo "the shared test data (../shared/data with fhir-r4-examples/) was not found next to" \
    "this repository or its origin; set CLINIC_SHARED_DATA" >&2
  return 1
}
