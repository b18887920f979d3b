#!/usr/bin/env bash
# CI's package check (.ci/run, after make test): build the .deb in the bundler's debug mode,
# install it with apt-get, start the installed program from its installed path in a real window,
# upgrade over an older package, and remove it, checking the data at each step
# (tests/tests/installed_package.rs). Needs root or sudo (it installs a package).
#   scripts/package-check.sh             build, then check
#   scripts/package-check.sh --phases    (inside scripts/test.sh) the install steps and tests
source "$(dirname "$0")/lib.sh"

PKG=skinspire-verify-desk
NEW_VERSION=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 | python3 -c \
  'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="skinspire-verify-desk"))')
# The older package dpkg upgrades from: this build relabelled with a lower version, so dpkg runs
# a real upgrade (not a reinstall). What an upgrade does to the data itself (the migrations from
# 0.1.0's database) is tested on the committed 0.1.0 database, in step 3.
OLDER_VERSION=0.1.99
# The whole workspace, as make test builds it, so that its dependencies are built with the same
# features and reused: built for desk-tests alone they would be built again (about six minutes
# of CI's time); only desk-tests itself is built again, with the feature that holds these tests.
TEST_SELECTION=(--workspace --features desk-tests/installed --test installed_package)

run_test() {  # run_test NAME: one test of installed_package.rs, against the installed program
  say "Package check: $1"
  DESK_APP_BIN=/usr/bin/$PKG DESK_NEW_VERSION="$NEW_VERSION" DESK_OLDER_VERSION="$OLDER_VERSION" \
    cargo test --quiet "${TEST_SELECTION[@]}" -- --exact "$1"
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 "$@" >/dev/null
}

if [ "${1:-}" = "--phases" ]; then
  older="$2"; new="$3"
  # Start from no package (a leftover from an interrupted run).
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$PKG" >/dev/null 2>&1 || true
  apt_install "$older"
  [ -x "/usr/bin/$PKG" ] || die "the older package installed no /usr/bin/$PKG"
  [ -f "/usr/share/applications/Skinspire Verify Desk.desktop" ] || die "the package installed no desktop entry"
  run_test installed_1_the_package_starts_from_its_installed_path_into_the_first_start_form
  apt_install "$new"
  run_test installed_2_an_upgrade_over_the_older_package_keeps_the_data
  run_test installed_3_the_new_version_opens_what_0_1_0_left_and_migrates_it_once
  # Purge, the most a removal does: the per-user data and the keyring stay anyway.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PKG" >/dev/null
  run_test installed_4_removing_the_package_leaves_the_data_and_the_keyring_alone
  say "Package check passed: installed $OLDER_VERSION, upgraded to $NEW_VERSION, purged"
  exit 0
fi

deb=$("$ROOT/scripts/package.sh" --debug | grep '\.deb$')
[ -f "$deb" ] || die "no .deb was built"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -R "$deb" "$work/root"
sed -i "s/^Version: .*/Version: $OLDER_VERSION/" "$work/root/DEBIAN/control"
dpkg-deb --build --root-owner-group "$work/root" "$work/$PKG-$OLDER_VERSION.deb" >/dev/null
cp "$deb" "$work/$PKG-$NEW_VERSION.deb"
# Build the tests once, before the services start.
(cd "$ROOT" && cargo test --quiet "${TEST_SELECTION[@]}" --no-run)
"$ROOT/scripts/test.sh" "$ROOT/scripts/package-check.sh" --phases "$work/$PKG-$OLDER_VERSION.deb" "$work/$PKG-$NEW_VERSION.deb"
