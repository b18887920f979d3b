#!/usr/bin/env bash
# Install what the desk needs to build, run and be tested, and nothing when it is all there.
# Debian/Ubuntu: system packages with apt (sudo when not root), tauri-driver with cargo,
# the UI's npm packages and Prism (tests/twilio-contract). Safe to run again and again.
source "$(dirname "$0")/lib.sh"

# What each package is for lives in docs/development.md.
APT_PACKAGES=(
  build-essential pkg-config libwebkit2gtk-4.1-dev   # build the app
  xvfb xauth fonts-dejavu-core x11-utils imagemagick # run it headless, find its window, screenshots
  webkit2gtk-driver                                  # WebDriver for the end-to-end tests
  dbus dbus-x11 gnome-keyring libsecret-tools        # a real Secret Service for the keyring
  python3-dbus                                       # unlock a locked test keyring (no prompt)
  sqlite3                                            # the shell an attacker would edit the file with
  python3-aiosmtpd openssl ca-certificates           # a real SMTP server (STARTTLS + AUTH) for email tests
  postgresql-15 postgresql-client-15                 # a real clinic database for the sync tests
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found: install these by hand: ${missing[*]}"
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o DPkg::Lock::Timeout=900 --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
command -v npm >/dev/null || die "npm not found: install Node.js 20 or newer first"

# tauri-driver bridges WebDriver to WebKitWebDriver. crates.io's newest is 3.x: pin 2.
if ! "$(cargo_bin)/tauri-driver" --help >/dev/null 2>&1; then
  say "Installing tauri-driver 2 (about 1.5 minutes, once)"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

# npm packages, only when the lock file changed since the last install: the UI's, and Prism,
# which serves Twilio's published API contract to the tests (tests/twilio-contract).
npm_install() {  # npm_install DIR WHAT
  local stamp="$1/node_modules/.desk-installed"
  if [ ! -f "$stamp" ] || [ "$1/package-lock.json" -nt "$stamp" ]; then
    say "Installing $2"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$stamp"
  fi
}
npm_install "$ROOT/ui" "the UI's npm packages"
npm_install "$ROOT/tests/twilio-contract" "Prism for the Twilio contract tests (npm)"
# The Tauri CLI that builds the packages (make package), pinned in packaging/package.json.
npm_install "$ROOT/packaging" "the Tauri CLI for packaging (npm)"
