#!/bin/bash
# Images/s of `interp patches` (one process) against `interp-dask patches` with 1, 2 and 4 LocalCluster workers, end
# to end (process start, cluster start, model loads, merge), over a folder of generated images (test/dask_dataset.py
# from the embedded 112 x 112 scenes; the preprocessing upscales them to the network's input):
#     bash perf/dask_throughput.sh BUILD/bin MODEL.onnx LAYER [IMAGES] [REPEATS]
# e.g. MODEL = build/perf-models/resnet18.onnx of perf/make_models.py, LAYER = /layer4/layer4.1/relu_1/Relu,
# IMAGES = 400 (default), REPEATS = 3 (default). The configurations (CONFIGS, default "single dask-1x1 dask-1
# dask-2 dask-4": one interp process; dask-W = W LocalCluster workers with interp-dask's default shards (1 per worker for 400 images); dask-WxK
# = W workers, K shards) run interleaved, then again, so that load from other processes on a shared machine
# spreads over all of them; the summary gives the best and the median of the
# repeats. Every run's JSON must equal the single run's byte for byte. `shards` is interp-dask's own figure: the
# time from submitting the shards to the last result (no cluster start, no merge); `CPU` is the user + system time
# of the command and every process it waited for (workers, their interp processes), which other load on the machine
# changes much less than the wall-clock time.
set -eu
BIN="$(cd "$1" && pwd)"
MODEL="$2"
LAYER="$3"
IMAGES="${4:-400}"
REPEATS="${5:-3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$HERE/../test/dask_dataset.py" "$HERE/../data/scenes/test" "$WORK/images" "$IMAGES"
P=(--model "$MODEL" --images "$WORK/images" --layer "$LAYER" --top 9)
# cputime FILE CMD...: runs CMD and writes the user + system seconds of CMD and of every process under it to FILE.
# (/usr/bin/time misses interp-dask's workers: they are children of multiprocessing's forkserver, which nobody
# waits for; as a child subreaper this waits for the orphans too, so their CPU time is counted.)
cat > "$WORK/cputime" <<'PY'
#!/usr/bin/python3
import ctypes, os, resource, subprocess, sys
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
code = subprocess.call(sys.argv[2:])
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.2f\n" % (r.ru_utime + r.ru_stime))
sys.exit(code)
PY
chmod +x "$WORK/cputime"
# dask-W: W workers, interp-dask's default shards; dask-WxK: W workers, K shards. CONFIGS="..." overrides.
read -r -a CONFIGS <<< "${CONFIGS:-single dask-1x1 dask-1 dask-2 dask-4}"
: > "$WORK/runs"
run() {  # config: runs it once, appends "config seconds shard-seconds load" to $WORK/runs
    local c="$1" load t0 t1 shards w cpu
    local cmd=("$BIN/interp" patches "${P[@]}")
    case "$c" in
        dask-*x*) w="${c#dask-}"; cmd=("$BIN/interp-dask" patches --workers "${w%x*}" --shards "${w#*x}" "${P[@]}") ;;
        dask-*) cmd=("$BIN/interp-dask" patches --workers "${c#dask-}" "${P[@]}") ;;
    esac
    # Every run starts after the same pause: on this VM a process that allocates its memory right after another
    # one freed a lot runs up to 40% faster than one started after a few idle seconds (doc/performance.md), so
    # back-to-back runs would favour whichever configuration comes first after a heavy one.
    sleep "${PAUSE:-5}"
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s.%N)
    "$WORK/cputime" "$WORK/cpu" "${cmd[@]}" --json "$WORK/$c.json" > "$WORK/log" 2> "$WORK/err" \
        || { cat "$WORK/err"; exit 1; }
    cpu=$(cat "$WORK/cpu")
    t1=$(date +%s.%N)
    shards=$(sed -n 's/.* images in \([0-9.]*\) s on .*/\1/p' "$WORK/err" | tail -1)
    if [ "$c" != single ]; then
        cmp -s "$WORK/single.json" "$WORK/$c.json" || { echo "$c: JSON differs from the single run"; exit 1; }
    fi
    awk -v c="$c" -v a="$t0" -v b="$t1" -v s="${shards:--}" -v l="$load" -v n="$IMAGES" -v u="$cpu" 'BEGIN {
        printf "%-9s %7.2f s %7.2f images/s  shards %6s s  CPU %7.2f s  load %s\n", c, b - a, n / (b - a), s, u, l }'
    awk -v c="$c" -v a="$t0" -v b="$t1" -v s="${shards:-0}" -v l="$load" -v u="$cpu" 'BEGIN {
        print c, b - a, s, l, u }' >> "$WORK/runs"
}
echo "$IMAGES images, $(basename "$MODEL") $LAYER, $(nproc) cores, $REPEATS repeats, $(date -u '+%Y-%m-%d %H:%M UTC')"
for r in $(seq "$REPEATS"); do
    for c in "${CONFIGS[@]}"; do
        run "$c"
    done
done
echo
/usr/bin/python3 - "$WORK/runs" "$IMAGES" "${CONFIGS[@]}" <<'PY'
import statistics, sys
runs, n, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = [l.split() for l in open(runs)]
print("%-9s %8s %9s %9s %9s %12s %14s %11s" % ("config", "best s", "images/s", "median s", "images/s", "best/single",
                                               "shards best s", "min CPU s"))
single = min(float(r[1]) for r in rows if r[0] == "single")
for c in configs:
    t = [float(r[1]) for r in rows if r[0] == c]
    s = [float(r[2]) for r in rows if r[0] == c and float(r[2]) > 0]
    best, med = min(t), statistics.median(t)
    cpu = min(float(r[4]) for r in rows if r[0] == c)
    print("%-9s %8.2f %9.2f %9.2f %9.2f %11.1f%% %14s %11.2f" % (c, best, n / best, med, n / med, 100 * single / best,
                                                                 "%.2f" % min(s) if s else "-", cpu))
PY
