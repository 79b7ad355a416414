#!/usr/bin/env bash
# Refresh the vendored axe-core (tests/browser/vendor/axe-core/) from the npm registry.
# Only axe.min.js and its LICENSE are committed; the tests need no Node to run.
# Usage: tests/browser/vendor/refresh-axe.sh [version]   (then commit both files)
set -euo pipefail
VERSION="${1:-4.14.1}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "axe-core@${VERSION}" >/dev/null)
tar -xzf "$work"/axe-core-*.tgz -C "$work"
mkdir -p "$here/axe-core"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$here/axe-core/"
echo "axe-core $VERSION -> $here/axe-core/"
