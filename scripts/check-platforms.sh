#!/usr/bin/env bash
# Check, from Linux and without compiling anything, that each platform the desk ships for gets
# its own keyring store and only that one, and that every platform gets the single-instance
# plugin. desk-core picks the store by `[target.'cfg(...)'.dependencies]`; a wrong cfg there
# would only show up on a Windows or Mac build, so this reads Cargo's resolved graph instead.
#
# Uses `cargo tree --locked -e normal --target <triple> -p <package> -i <crate>`: the inverted
# tree of <crate> within <package>'s normal dependencies on that target. Empty output means the
# crate is not in that tree on that target.
#
# Offline: Cargo.lock lists every target's packages, but `cargo tree` wants the .crate files of
# the foreign targets' packages too (e.g. uds_windows for Windows). Fetch them once with a plain
# `cargo fetch --locked` (no --target: a per-target fetch leaves some out); after that this needs
# no network. Pass --offline (or set CARGO_NET_OFFLINE=true) to forbid the network outright.
#
# Usage: scripts/check-platforms.sh [--offline]
set -euo pipefail

cd "$(dirname "$0")/.."

cargo_flags=(--locked)
for arg in "$@"; do
    case "$arg" in
        --offline) cargo_flags+=(--offline) ;;
        -h | --help)
            sed -n '2,16p' "$0"
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (usage: $0 [--offline])" >&2
            exit 2
            ;;
    esac
done

failures=0
err_file="$(mktemp)"
trap 'rm -f "$err_file"' EXIT

# check <want: yes|no> <target triple> <package> <crate>
check() {
    local want="$1" target="$2" package="$3" crate="$4"
    local out rc=0 found
    out="$(cargo tree "${cargo_flags[@]}" -e normal --target "$target" -p "$package" -i "$crate" 2>"$err_file")" || rc=$?
    if [[ $rc -ne 0 ]]; then
        if grep -q "did not match any packages" "$err_file"; then
            # Not in Cargo.lock at all: certainly not in the tree.
            found=no
        else
            echo "FAIL: $target: $package -> $crate: cargo tree failed (exit $rc): $(tr '\n' ' ' <"$err_file")"
            echo "      (missing crates? run \`cargo fetch --locked\` once, with network)"
            failures=$((failures + 1))
            return 0
        fi
    elif [[ -z "$out" ]]; then
        # cargo tree prints "warning: nothing to print" on stderr when the crate isn't reached.
        found=no
    elif head -n1 <<<"$out" | grep -q "^$crate v" && grep -q "$package v" <<<"$out"; then
        found=yes
    else
        echo "FAIL: $target: $package -> $crate: unexpected cargo tree output: $(head -n3 <<<"$out" | tr '\n' ' ')"
        failures=$((failures + 1))
        return 0
    fi

    local what
    if [[ $want == yes ]]; then what="resolves"; else what="does not resolve"; fi
    if [[ $found == "$want" ]]; then
        echo "ok: $target: $crate $what in $package"
    else
        if [[ $found == yes ]]; then
            echo "FAIL: $target: $crate resolves in $package but must not"
        else
            echo "FAIL: $target: $crate does not resolve in $package but must"
        fi
        failures=$((failures + 1))
    fi
}

win="windows-native-keyring-store"
apple="apple-native-keyring-store"
zbus="zbus-secret-service-keyring-store"
single="tauri-plugin-single-instance"

# Windows: Credential Manager.
check yes x86_64-pc-windows-msvc desk-core "$win"
check no x86_64-pc-windows-msvc desk-core "$zbus"
check no x86_64-pc-windows-msvc desk-core "$apple"

# macOS, both architectures (the release builds both): Keychain.
for t in aarch64-apple-darwin x86_64-apple-darwin; do
    check yes "$t" desk-core "$apple"
    check no "$t" desk-core "$zbus"
    check no "$t" desk-core "$win"
done

# Linux: Secret Service over zbus.
check yes x86_64-unknown-linux-gnu desk-core "$zbus"
check no x86_64-unknown-linux-gnu desk-core "$win"
check no x86_64-unknown-linux-gnu desk-core "$apple"

# One desk per user session on every platform.
for t in x86_64-pc-windows-msvc aarch64-apple-darwin x86_64-apple-darwin x86_64-unknown-linux-gnu; do
    check yes "$t" skinspire-verify-desk "$single"
done

if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all platform checks passed"
