#!/usr/bin/env bash
# THE run command: builds the UI and the app, starts the clinic's sync server (embedded
# SQLite, TLS with a demo CA), the local test card gateway, and then the demo clinic's app,
# enrolled with that server.
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

# The clinic's sync server (embedded SQLite, TLS with a demo CA made here once), on
# CLINIC_DEMO_SYNC_PORT (default 8743). A fresh one-time enrollment code is issued on every
# start; the app uses it only while it is not enrolled yet (the first start).
SERVER_BIN="$CARGO_TARGET_DIR/debug/clinic-server"
SYNC_DIR="$DEMO_DIR/sync-server"
SYNC_PORT="${CLINIC_DEMO_SYNC_PORT:-8743}"
mkdir -p "$SYNC_DIR"
[ -f "$SYNC_DIR/certs/ca.pem" ] || "$SERVER_BIN" gen-cert --out-dir "$SYNC_DIR/certs" >/dev/null
[ -f "$SYNC_DIR/clinic-id" ] || python3 -c 'import uuid; print(uuid.uuid4())' >"$SYNC_DIR/clinic-id"
SYNC_CODE="$("$SERVER_BIN" issue-code --data-dir "$SYNC_DIR/data" \
  --clinic-id "$(cat "$SYNC_DIR/clinic-id")" --clinic-name "Demo Clinic")"
"$SERVER_BIN" serve --data-dir "$SYNC_DIR/data" --listen "127.0.0.1:$SYNC_PORT" \
  --tls-cert "$SYNC_DIR/certs/server.pem" --tls-key "$SYNC_DIR/certs/server-key.pem" \
  >"$SYNC_DIR/stdout.log" 2>"$SYNC_DIR/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$SYNC_DIR/stdout.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the sync server did not start: see $SYNC_DIR/server.log"
  sleep 0.1
done
say "sync server: https://localhost:$SYNC_PORT (log: $SYNC_DIR/server.log)"
say "  another device joins with a code from:"
say "  $SERVER_BIN issue-code --data-dir $SYNC_DIR/data --clinic-id $(cat "$SYNC_DIR/clinic-id") --clinic-name 'Demo Clinic'"

# The demo's card gateway: the local test gateway (Stripe's API, in memory, never real cards)
# on CLINIC_DEMO_GATEWAY_PORT (default 8744). The app's first start points its card payments
# at it (CLINIC_DEMO_GATEWAY); a checkout link opens its payment page (card 4242424242424242).
GATEWAY_PORT="${CLINIC_DEMO_GATEWAY_PORT:-8744}"
GATEWAY_LOG="$DEMO_DIR/gateway.log"
node tests/gateway-server/server.mjs --port "$GATEWAY_PORT" >"$DEMO_DIR/gateway.out" 2>"$GATEWAY_LOG" &
GATEWAY_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$DEMO_DIR/gateway.out" 2>/dev/null && break
  kill -0 "$GATEWAY_PID" 2>/dev/null || die "the test gateway did not start: see $GATEWAY_LOG"
  sleep 0.1
done
say "card payments: local test gateway on http://127.0.0.1:$GATEWAY_PORT (pay a checkout link with 4242424242424242)"

APP_PID=
cleanup() {
  if [ -n "$APP_PID" ]; then kill -TERM "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  kill -TERM "$SERVER_PID" "$GATEWAY_PID" 2>/dev/null || true
  wait "$SERVER_PID" "$GATEWAY_PID" 2>/dev/null || true
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
CLINIC_DEMO_GATEWAY="http://127.0.0.1:$GATEWAY_PORT" \
CLINIC_SYNC_SERVER="https://localhost:$SYNC_PORT" \
CLINIC_SYNC_CODE="$SYNC_CODE" \
CLINIC_SYNC_CA="$SYNC_DIR/certs/ca.pem" \
CLINIC_SYNC_DEVICE_NAME="Demo front desk" \
  "$APP_BIN" "$@" &
APP_PID=$!
set +e
wait "$APP_PID"
rc=$?
set -e
APP_PID=
exit "$rc"
