#!/usr/bin/env bash
# Installs what the repo needs on a bare machine: pnpm (from the npm registry) and the workspace's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.8
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" >/dev/null
fi
pnpm install --frozen-lockfile
# The web pages are built from the repo and served by the coordination service.
pnpm --filter @mtc/web build >/dev/null
