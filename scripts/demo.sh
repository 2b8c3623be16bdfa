#!/bin/bash
# Quick start 1: install what is missing, build, and explain the embedded model on the embedded demo images.
# Writes a browsable report and prints where it is.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh" "$ROOT/build" >/dev/null
"$ROOT/build/bin/interp" report --out "$ROOT/build/report"
