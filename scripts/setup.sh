#!/usr/bin/env bash
# Installs what building and testing need, and only what is missing (idempotent):
#   - Debian/Ubuntu packages for Tauri (WebKitGTK 4.1) and for headless tests
#     (Xvfb, WebKitWebDriver, D-Bus, gnome-keyring, secret-tool), and PostgreSQL
#     (the sync server's tests start their own throwaway cluster with its initdb);
#   - the npm packages (npm ci) of the UI and of the test FHIR server (tests/fhir-server)
#     when their node_modules is missing or stale;
#   - tauri-driver (from crates.io) when it is not on PATH;
#   - checks rustfmt and clippy are installed.
# Needs: a rustup toolchain, node + npm, apt (root or sudo). Run it directly or source it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config libdbus-1-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools
  postgresql
)

setup_apt() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    warn "not a Debian/Ubuntu system: install the equivalents of: ${APT_PACKAGES[*]}"
    return 0
  fi
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "system packages: all ${#APT_PACKAGES[@]} present"
    return 0
  fi
  say "system packages: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

setup_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup (https://rustup.rs)"
  local c
  for c in rustfmt clippy; do
    if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
      say "rust: adding component $c"
      rustup component add "$c" >/dev/null 2>&1 ||
        die "the rustup component '$c' is missing and could not be added (offline?): run 'rustup component add $c'"
    fi
  done
  say "rust: $(rustc --version), rustfmt and clippy present"
}

# npm ci in $1 (named $2 in messages) when its node_modules is missing or older than its
# package.json / package-lock.json.
npm_ci_when_stale() {
  local dir="$1" name="$2"
  [ -f "$dir/package.json" ] || die "$name/package.json is missing"
  [ -f "$dir/package-lock.json" ] || die "$name/package-lock.json is missing: run 'npm install' in $name/ and commit the lock file"
  # npm writes node_modules/.package-lock.json on every install: it is the install stamp.
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "$name: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  else
    say "$name: node_modules up to date ($(node --version))"
  fi
}

setup_ui() {
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20+ with npm"
  npm_ci_when_stale "$REPO_ROOT/ui" "ui"
  # The test FHIR server the provider tests start (Medplum's FHIR router on Node).
  npm_ci_when_stale "$REPO_ROOT/tests/fhir-server" "tests/fhir-server"
}

setup_tauri_driver() {
  if command -v tauri-driver >/dev/null 2>&1; then
    say "tauri-driver: $(command -v tauri-driver)"
  else
    say "tauri-driver: cargo install tauri-driver --locked (~1.5 min)"
    # Its own temp target dir: keeps the project's target dir and lock free.
    env -u CARGO_TARGET_DIR cargo install tauri-driver --locked </dev/null
  fi
  command -v WebKitWebDriver >/dev/null 2>&1 ||
    warn "WebKitWebDriver is not on PATH (Debian package webkit2gtk-driver): the e2e tests need it"
}

setup_apt
setup_rust
setup_ui
setup_tauri_driver
say "setup done"
