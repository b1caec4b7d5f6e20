#!/usr/bin/env bash
# Installs the real peers Parley's interop tests run against (Debian 12 packages): Kamailio
# (registrar, proxy, presence), baresip, SIPp, PulseAudio virtual devices, Chromium for the e2e
# tests, and the tools that make and check test audio. Idempotent and non-interactive; when every
# package is already installed it returns without touching apt. Run as root (CI: .ci/run).
set -euo pipefail

packages=(
  kamailio kamailio-tls-modules kamailio-presence-modules
  baresip-core sip-tester
  pulseaudio pulseaudio-utils libasound2-plugins
  chromium openssl sox libsox-fmt-all espeak-ng
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-peers: all ${#packages[@]} packages already installed"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
else
  sudo_cmd=()
fi

echo "install-peers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
echo "install-peers: done"
