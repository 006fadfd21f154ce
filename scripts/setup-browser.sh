#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (driven by playwright-core; never a browser download).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium (and CJK fonts for readable screenshots) for the browser tests…"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "chromium is not installed and this user cannot apt-get it: the browser tests will be skipped (install the 'chromium' package)"
fi
