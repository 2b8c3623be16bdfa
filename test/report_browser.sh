#!/bin/bash
# Opens the report written by `interp report` in headless Chromium (Debian's chromium) and checks that every image
# loads; keeps a screenshot of the page. Run by CTest:
#     bash test/report_browser.sh BUILD/bin/interp BUILD/report-test
# The page records how many of its images loaded in <body data-images-loaded=".." data-images-broken="..">
# (a script run on the window's load event); the DOM Chromium dumps after loading must show every <img> loaded.
set -u
BIN="$1"
OUT="$2"
fail() { echo "FAIL: $*"; exit 1; }
CHROME="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$CHROME" ] || fail "no chromium found: install Debian's chromium (scripts/setup.sh does)"

rm -rf "$OUT"
# A smaller report than the default one (fewer evaluation images), with every section.
"$BIN" report --model resnet_fmnist --out "$OUT/page" --eval-count 6 --sanity-images 1 \
    > "$OUT.log" 2>&1 || { cat "$OUT.log"; fail "interp report exited non-zero"; }
grep -q "report written: $OUT/page/index.html" "$OUT.log" || { cat "$OUT.log"; fail "no 'report written' line"; }
PAGE="$OUT/page/index.html"
[ -s "$PAGE" ] || fail "$PAGE missing"
expected="$(grep -o '<img ' "$PAGE" | wc -l)"
[ "$expected" -ge 30 ] || fail "only $expected images on the page"

# --allow-file-access-from-files: the page's script may read the pixels of its own images (data-shown-std).
FLAGS=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-extensions
       --disable-background-networking --disable-sync --allow-file-access-from-files
       --user-data-dir="$OUT/chromium-profile")
timeout 120 "$CHROME" "${FLAGS[@]}" --virtual-time-budget=10000 --dump-dom "file://$PAGE" > "$OUT/dom.html" \
    2> "$OUT/chromium.log" || { tail -20 "$OUT/chromium.log"; fail "chromium --dump-dom failed"; }
body="$(grep -o '<body[^>]*>' "$OUT/dom.html" | head -1)"
loaded="$(echo "$body" | sed -n 's/.*data-images-loaded="\([0-9]*\)".*/\1/p')"
broken="$(echo "$body" | sed -n 's/.*data-images-broken="\([0-9]*\)".*/\1/p')"
[ -n "$loaded" ] || fail "the page's load script did not run (body: $body)"
[ "$broken" = "0" ] || fail "$broken image(s) failed to load"
[ "$loaded" = "$expected" ] || fail "$loaded of $expected images loaded"
# What the page shows, against what it should show (each figure's data-* attributes, see report_html.cpp).
/usr/bin/python3 "$(dirname "$0")/report_content.py" "$OUT/dom.html" "$OUT/page" \
    || fail "the page does not show what it should (see above)"
timeout 120 "$CHROME" "${FLAGS[@]}" --hide-scrollbars --window-size=1280,8000 --screenshot="$OUT/screenshot.png" \
    "file://$PAGE" >> "$OUT/chromium.log" 2>&1 || fail "chromium --screenshot failed"
[ -s "$OUT/screenshot.png" ] || fail "no screenshot"
echo "ok: $loaded images loaded in Chromium; screenshot: $OUT/screenshot.png"
