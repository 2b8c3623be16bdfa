# Shared start of the command-line test scripts, sourced after their header: the interp binary (BIN, from the
# script's first argument), a temporary folder (TMP, removed on exit) and fail(), which prints and counts a failure in
# $fails. A script ends with: [ "$fails" = 0 ] && echo "<what passed>"; exit "$fails"
set -u
BIN="$1"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
