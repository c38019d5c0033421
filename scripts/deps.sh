#!/usr/bin/env bash
# Installs what the test suite needs that the machine lacks: Debian packages, Python peers in a venv at
# .deps/venv, Node peers in .deps/node (Kafka's jars come from Maven, by scripts/kafka.sh on first use).
# Idempotent: each part is skipped when present (a stamp file holds the hash of the pinned list it was
# installed from), so a run with everything present takes well under a second.
# Versions are pinned in tests/interop/python/requirements.txt and tests/interop/node/package-lock.json.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS=${FERROKAFKA_DEPS:-$ROOT/.deps}

# Debian packages, by name. The PHP extension builds against php-dev with ext-php-rs (bindgen needs
# clang's libclang); its tests run with php-cli.
APT_PACKAGES=(kcat librdkafka-dev php-cli php-dev clang libclang-dev)
# Commands the image normally has; if one is missing, the Debian package that provides it is added.
command -v python3 >/dev/null || APT_PACKAGES+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || APT_PACKAGES+=(python3-venv)
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
# The real Kafka broker and Kafka's Java tools (scripts/kafka.sh; Maven fetches the jars into ~/.m2).
command -v java >/dev/null || APT_PACKAGES+=(default-jre-headless)
command -v mvn >/dev/null || APT_PACKAGES+=(maven)
# make bench: gcc and pkg-config build bench/rdkafka_bench.c against librdkafka-dev; bench/JavaLatency.java
# runs from source, which needs a JDK (javac), not only a JRE.
command -v gcc >/dev/null || APT_PACKAGES+=(gcc libc6-dev)
command -v pkg-config >/dev/null || APT_PACKAGES+=(pkg-config)
command -v javac >/dev/null || APT_PACKAGES+=(default-jdk-headless)

log() { printf 'deps: %s\n' "$*" >&2; }

# stamp_matches FILE HASH: true when FILE records HASH (the part was installed from this exact list).
stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_apt() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q ' installed$' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    log "apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python() {
    local req=$ROOT/tests/interop/python/requirements.txt venv=$DEPS/venv want
    want=$(hash_of "$req")
    local healthy=false
    [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '' 2>/dev/null && healthy=true
    $healthy && stamp_matches "$venv/.stamp" "$want" && return 0
    if ! $healthy; then
        log "creating venv $venv"
        rm -rf "$venv"
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    log "pip install -r ${req#"$ROOT"/}"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    echo "$want" >"$venv/.stamp"
}

install_node() {
    local src=$ROOT/tests/interop/node dst=$DEPS/node want
    want=$(hash_of "$src/package.json" "$src/package-lock.json")
    [ -d "$dst/node_modules" ] && stamp_matches "$dst/.stamp" "$want" && return 0
    log "npm ci into $dst"
    mkdir -p "$dst"
    cp "$src/package.json" "$src/package-lock.json" "$dst/"
    npm ci --prefix "$dst" --no-audit --no-fund --loglevel=error >/dev/null
    echo "$want" >"$dst/.stamp"
}

install_apt
install_python
install_node
