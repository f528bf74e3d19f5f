#!/usr/bin/env bash
# Installs the Debian 12 packages Burrow needs that are not installed yet (only those).
# Works as root or as a user with sudo.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-websockets-dev libqt6sql6-sqlite
    qt6-remoteobjects-dev libqt6remoteobjects6-bin
    libssl-dev liblz4-dev zlib1g-dev libhttp-parser-dev libsqlite3-dev libgl-dev
    sqlite3
)
if [[ "${BURROW_WITH_FUZZERS:-0}" == 1 ]]; then
    # fuzz/run-fuzzers.sh (docs/RELIABILITY-fuzzing.md), which scripts/test.sh (CI) runs: clang 14
    # with libFuzzer, ASan and UBSan (the runtimes are in libclang-rt-14-dev); python3 only to
    # regenerate the seed corpora.
    packages+=(clang libclang-rt-14-dev python3)
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    echo "setup-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "setup-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
