#!/usr/bin/env bash
# System tools that some workflow paths need, installed when missing and allowed.
#   bedtools — the ChIP-seq path (negatives = DNase peaks that overlap no ChIP peak).
# Installs with the system package manager when run as root; otherwise, or when the install
# fails, says what to install and exits 0: the default (synthetic) run does not need it.
set -uo pipefail

ensure() {
    local tool=$1 package=$2
    if command -v "$tool" >/dev/null 2>&1; then
        echo "install_system_deps: $tool found at $(command -v "$tool")"
        return
    fi
    local hint="install the '$package' package (e.g. 'sudo apt-get install -y $package' or"
    hint+=" 'conda install -c bioconda $package'); only the ChIP-seq path needs it and its tests skip until then"
    if [ "$(id -u)" -ne 0 ]; then
        echo "install_system_deps: $tool is missing and this is not root: $hint"
        return
    fi
    if command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"
    elif command -v dnf >/dev/null 2>&1; then
        dnf install -y "$package"
    elif command -v apk >/dev/null 2>&1; then
        apk add --no-cache "$package"
    else
        false
    fi
    if command -v "$tool" >/dev/null 2>&1; then
        echo "install_system_deps: installed $tool at $(command -v "$tool")"
    else
        echo "install_system_deps: could not install $tool with the system package manager: $hint"
    fi
}

ensure bedtools bedtools
