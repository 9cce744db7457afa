#!/usr/bin/env bash
# THE run command: builds the UI and the app, then starts the demo clinic.
#
#   scripts/run-demo.sh [app args...]
#
# The demo uses its own data dir (default ~/.local/share/clinic-desktop-demo, override with
# CLINIC_DEMO_DIR) and the documented, NOT SECRET demo key below instead of the OS keychain,
# so it runs on machines without a keyring (the app shows a "test key" badge). On the first
# start it seeds 3000 synthetic patients (CLINIC_DEMO_PATIENTS). Never put real patient data
# in the demo. Without $DISPLAY/$WAYLAND_DISPLAY it starts Xvfb and runs headless.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

# The demo database key: public, fixed, for synthetic data only (64 hex digits = 256 bits).
DEMO_DB_KEY="0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de"
DEMO_DIR="${CLINIC_DEMO_DIR:-$HOME/.local/share/clinic-desktop-demo}"

"$SCRIPTS_DIR/setup.sh"

say "building the UI (ui/dist, embedded into the app)"
(cd ui && npm run --silent build)

say "building the app"
# Exactly the build scripts/test.sh does: the same package and target selection resolves
# the same features, so the demo and the tests share one tauri/wry/gtk build. (A narrower
# `-p clinic-desktop` or `--bin` build resolves features differently and recompiles tauri.)
cargo build --workspace --all-targets
APP_BIN="$CARGO_TARGET_DIR/debug/clinic-desktop"
[ -x "$APP_BIN" ] || die "the build did not produce $APP_BIN"

mkdir -p "$DEMO_DIR"

# Placeholder: start the local sync server here (and export its URL for the app) once it
# exists, and stop it in cleanup below.

APP_PID=
cleanup() {
  if [ -n "$APP_PID" ]; then kill -TERM "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  stop_xvfb
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  start_xvfb
  say "no display found: started Xvfb on DISPLAY=$DISPLAY (headless; the app runs but is not visible)"
  say "  screenshot: DISPLAY=$DISPLAY import -window root demo.png   (apt package imagemagick)"
fi

say "starting the demo clinic: data in $DEMO_DIR (Ctrl+C to stop)"
say "  sign in as frontdesk / demo-frontdesk-pass (other accounts and the admin's authenticator: README)"
CLINIC_DATA_DIR="$DEMO_DIR" \
CLINIC_KEY_SOURCE=insecure-test-key \
CLINIC_TEST_DB_KEY="$DEMO_DB_KEY" \
CLINIC_DEMO_PATIENTS="${CLINIC_DEMO_PATIENTS:-3000}" \
CLINIC_DEMO_STAFF=1 \
  "$APP_BIN" "$@" &
APP_PID=$!
set +e
wait "$APP_PID"
rc=$?
set -e
APP_PID=
exit "$rc"
