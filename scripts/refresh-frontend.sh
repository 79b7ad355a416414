#!/usr/bin/env bash
# Re-fetch the shopper store's front-end files from npm at the pinned versions and copy
# the built files (with their licences) into marketplace/storefront/static/vendor/.
# Only this script needs npm; running the marketplace needs no Node. Commit the result.
set -euo pipefail

PICO_VERSION=2.1.1   # @picocss/pico: the CSS framework
HTMX_VERSION=2.0.11  # htmx.org: partial page updates (django-htmx reads its headers)

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/marketplace/storefront/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch <package@version> <dir>: unpack the npm tarball into $WORK/<dir>
    (cd "$WORK" && npm pack --silent "$1" >/dev/null)
    mkdir -p "$WORK/$2"
    tar -xzf "$WORK"/*.tgz -C "$WORK/$2" --strip-components=1
    rm "$WORK"/*.tgz
}

fetch "@picocss/pico@$PICO_VERSION" pico
fetch "htmx.org@$HTMX_VERSION" htmx

rm -rf "$DEST/pico" "$DEST/htmx"
mkdir -p "$DEST/pico" "$DEST/htmx"
cp "$WORK/pico/css/pico.min.css" "$DEST/pico/"
cp "$WORK/pico/LICENSE.md" "$DEST/pico/LICENSE.md"
cp "$WORK/htmx/dist/htmx.min.js" "$DEST/htmx/"
cp "$WORK/htmx/LICENSE" "$DEST/htmx/LICENSE"
printf '@picocss/pico %s\nhtmx.org %s\n' "$PICO_VERSION" "$HTMX_VERSION" >"$DEST/VERSIONS"
echo "Refreshed $DEST: pico $PICO_VERSION, htmx $HTMX_VERSION"
