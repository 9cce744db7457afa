#!/usr/bin/env bash
# Runs a command in the environment the end-to-end tests need, isolated from your desktop:
#   - a fresh Xvfb on a free display (set CLINIC_E2E_USE_DISPLAY=1 to use your $DISPLAY instead),
#   - a private D-Bus session bus (dbus-run-session),
#   - a gnome-keyring Secret Service in it, unlocked, whose keyring lives in a temp dir
#     (your real login keyring is never touched).
# Everything is torn down when the command ends; its exit status is returned.
#
#   scripts/e2e-env.sh cargo test -p clinic-e2e -- --test-threads=1
#   scripts/e2e-env.sh cargo test -p clinic-e2e --test registry_story
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -gt 0 ] || die "usage: $0 COMMAND [ARGS...]"

if [ "${1:-}" = "--inside-dbus" ]; then
  shift
  # Back to the caller's stderr (the bus's own goes to a log, see below).
  if { true >&5; } 2>/dev/null; then exec 2>&5 5>&-; fi
  # Runs inside dbus-run-session: start an unlocked keyring with throw-away storage.
  KEYRING_HOME="$(mktemp -d -t clinic-e2e-keyring.XXXXXX)"
  export XDG_RUNTIME_DIR="$KEYRING_HOME/run"
  mkdir -p "$XDG_RUNTIME_DIR" "$KEYRING_HOME/.local/share/keyrings" "$KEYRING_HOME/.cache"
  chmod 700 "$XDG_RUNTIME_DIR"
  # --foreground keeps the daemon our child, so we know what to stop.
  printf '%s' "clinic-e2e" | HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share" \
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$KEYRING_HOME/daemon.env" 2>"$KEYRING_HOME/daemon.log" &
  KEYRING_PID=$!
  cleanup_keyring() {
    kill -TERM "$KEYRING_PID" 2>/dev/null || true
    wait "$KEYRING_PID" 2>/dev/null || true
    rm -rf "$KEYRING_HOME"
  }
  trap cleanup_keyring EXIT
  # Wait until OUR daemon owns the Secret Service name before any client asks for it:
  # an earlier request would D-Bus-activate a second daemon using your real HOME.
  owned=
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      owned=1
      break
    fi
    kill -0 "$KEYRING_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$owned" ]; then
    cat "$KEYRING_HOME/daemon.log" >&2 || true
    die "gnome-keyring-daemon did not take the Secret Service name on the session bus"
  fi
  # Prove it works and is unlocked: store, read back, clear a probe.
  ok=
  for _ in $(seq 1 50); do
    if printf probe | secret-tool store --label=probe service org.clinic.e2e.env username probe 2>/dev/null &&
       [ "$(secret-tool lookup service org.clinic.e2e.env username probe 2>/dev/null)" = probe ]; then
      secret-tool clear service org.clinic.e2e.env username probe 2>/dev/null || true
      ok=1
      break
    fi
    sleep 0.2
  done
  if [ -z "$ok" ]; then
    cat "$KEYRING_HOME/daemon.log" >&2 || true
    die "gnome-keyring did not provide an unlocked Secret Service"
  fi
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi

command -v dbus-run-session >/dev/null 2>&1 || die "dbus-run-session is missing (apt package dbus); run scripts/setup.sh"
command -v gnome-keyring-daemon >/dev/null 2>&1 || die "gnome-keyring-daemon is missing (apt package gnome-keyring); run scripts/setup.sh"
command -v secret-tool >/dev/null 2>&1 || die "secret-tool is missing (apt package libsecret-tools); run scripts/setup.sh"

if [ "${CLINIC_E2E_USE_DISPLAY:-}" = 1 ] && [ -n "${DISPLAY:-}" ]; then
  say "e2e env: using DISPLAY=$DISPLAY"
else
  start_xvfb
  trap stop_xvfb EXIT
  say "e2e env: Xvfb on DISPLAY=$DISPLAY, private D-Bus session, unlocked temp gnome-keyring"
fi

# Services the app's GTK/WebKit make the bus start (portal, accessibility registry) write
# noise to the bus's stderr: send that to a log; the command keeps the real stderr (fd 5).
BUS_LOG="$CARGO_TARGET_DIR/e2e-artifacts/dbus-session.log"
mkdir -p "$(dirname "$BUS_LOG")"
set +e
dbus-run-session -- "$SCRIPTS_DIR/e2e-env.sh" --inside-dbus "$@" 5>&2 2>"$BUS_LOG"
rc=$?
set -e
exit "$rc"
