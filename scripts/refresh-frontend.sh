#!/usr/bin/env bash
# Re-fetch the web faces' front-end files from npm at the pinned versions and copy
# the built files (with their licences) into marketplace/storefront/static/vendor/.
# Only this script needs npm; running the marketplace needs no Node. Commit the result.
set -euo pipefail

PICO_VERSION=2.1.1   # @picocss/pico: the CSS framework
HTMX_VERSION=2.0.11  # htmx.org: partial page updates (django-htmx reads its headers)
CHARTJS_VERSION=4.6.1  # chart.js: the sales and report charts (dashboard, back office)

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
fetch "chart.js@$CHARTJS_VERSION" chartjs

rm -rf "$DEST/pico" "$DEST/htmx" "$DEST/chartjs"
mkdir -p "$DEST/pico" "$DEST/htmx" "$DEST/chartjs"
cp "$WORK/pico/css/pico.min.css" "$DEST/pico/"
cp "$WORK/pico/LICENSE.md" "$DEST/pico/LICENSE.md"
cp "$WORK/htmx/dist/htmx.min.js" "$DEST/htmx/"
cp "$WORK/htmx/LICENSE" "$DEST/htmx/LICENSE"
cp "$WORK/chartjs/dist/chart.umd.min.js" "$DEST/chartjs/"
cp "$WORK/chartjs/LICENSE.md" "$DEST/chartjs/LICENSE.md"
printf '@picocss/pico %s\nhtmx.org %s\nchart.js %s\n' "$PICO_VERSION" "$HTMX_VERSION" \
    "$CHARTJS_VERSION" >"$DEST/VERSIONS"
echo "Refreshed $DEST: pico $PICO_VERSION, htmx $HTMX_VERSION, chart.js $CHARTJS_VERSION"
