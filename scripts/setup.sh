#!/usr/bin/env bash
# Installs what the repo needs on a bare machine: pnpm (from the npm registry) and the workspace's packages, and
# builds the web pages. Each step is skipped when what it produced is still up to date, so that `npm start` and
# `npm test` start at once on the second run; a fresh clone (no node_modules, no dist) does everything.
# MTC_SETUP_FORCE=1 redoes every step.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.8
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" >/dev/null
fi

# A fingerprint of the contents of the given files, in a stable order.
fingerprint() {
  sort | while IFS= read -r file; do
    printf '%s\n' "$file"
    cat "$file"
  done | sha256sum | cut -d' ' -f1
}

# The install depends on the lockfile, every package.json, the Node and pnpm versions (native modules such as
# better-sqlite3 are compiled for one Node ABI).
INSTALL_STAMP=node_modules/.mtc-install-stamp
install_inputs=$( {
  echo "node $(node --version) pnpm ${PNPM_VERSION} $(uname -sm)"
  find . -name package.json -not -path '*/node_modules/*' -not -path './.git/*' -print | fingerprint
  cat pnpm-lock.yaml pnpm-workspace.yaml
} | sha256sum | cut -d' ' -f1)
if [ "${MTC_SETUP_FORCE:-}" != "1" ] && [ -f "$INSTALL_STAMP" ] && [ "$(cat "$INSTALL_STAMP")" = "$install_inputs" ]; then
  echo "setup: packages up to date (pnpm-lock.yaml, package.json files and Node unchanged)"
else
  rm -f "$INSTALL_STAMP"
  pnpm install --frozen-lockfile
  echo "$install_inputs" >"$INSTALL_STAMP"
fi

# The web pages are built from the repo and served by the coordination service: rebuilt when their sources
# (or the domain's input rules they import) changed since the last build.
WEB_STAMP=services/web/dist/.mtc-build-stamp
web_inputs=$( {
  echo "$install_inputs"
  find services/web packages/domain/src \( -name node_modules -o -name dist -o -name test \) -prune -o -type f -print |
    fingerprint
} | sha256sum | cut -d' ' -f1)
if [ "${MTC_SETUP_FORCE:-}" != "1" ] && [ -f "$WEB_STAMP" ] && [ "$(cat "$WEB_STAMP")" = "$web_inputs" ]; then
  echo "setup: web pages up to date (services/web unchanged)"
else
  pnpm --filter @mtc/web build >/dev/null
  echo "$web_inputs" >"$WEB_STAMP"
fi
