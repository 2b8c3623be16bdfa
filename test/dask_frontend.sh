#!/bin/bash
# interp-dask (the Dask distributed front end) and the Slurm array example, run by CTest:
#     bash test/dask_frontend.sh BUILD/bin WORK_DIR
# - a LocalCluster of 2 workers on the embedded scenes gives the single run's patches JSON (byte for byte) and
#   evaluation (JSON and table, all but the wall-clock seconds);
# - 4 shards over a generated 1,000-image folder on a scheduler and 2 workers started here (--scheduler), with the
#   worker of one shard killed mid-run, give the single run's patches JSON;
# - a shard that fails every time (a mask of the wrong size) and a worker that dies every time fail the job with the
#   shard's error, not a hang; usage errors;
# - the Slurm job-array scripts of doc/distributed.md (tasks run one after the other with Slurm's variables) give
#   the single-run JSON; `cmake --install` installs interp-dask beside interp.
set -u
BIN="$(cd "$1" && pwd)"
WORK="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$HERE/.."
PY=/usr/bin/python3
rm -rf "$WORK"
mkdir -p "$WORK"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Every front-end run has a deadline: a hang is a failure, not a stuck CI job.
dask() { timeout 240 "$BIN/interp-dask" "$@"; }
if ! $PY -c "import distributed" 2>/dev/null; then
    echo "FAIL: python3-distributed is missing (scripts/setup.sh installs it)"
    exit 1
fi

# Evaluation results equal but for the wall-clock seconds (JSON: every other field; CSV: every other column).
same_evaluation() {
    $PY - "$1" "$2" "$3" "$4" <<'PY'
import csv, json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    for m in r["methods"]:
        m.pop("seconds")
assert a == b, "evaluation JSON differs (beyond seconds)"
ta, tb = ([row[:-1] for row in csv.reader(open(p))] for p in sys.argv[3:5])
assert ta == tb, "table differs (beyond seconds):\n%s\n%s" % (ta, tb)
assert len(ta) >= 3 and ta[0][-1] == "sanity_spearman", ta
PY
}

step() { echo "[${SECONDS}s] $*"; }
step "LocalCluster of 2 workers, embedded scenes"
# --- 1. LocalCluster, 2 workers, embedded scenes ---
S="$SRC/data/scenes/test"
P=(--images "$S" --layer relu3 --layer relu5 --top 6)
"$BIN/interp" patches "${P[@]}" --json "$WORK/single.json" > "$WORK/single.log" 2>&1 \
    || { fail "single patches run"; cat "$WORK/single.log"; }
dask patches --workers 2 "${P[@]}" --json "$WORK/dask.json" > "$WORK/dask.log" 2> "$WORK/dask.err" \
    || { fail "interp-dask patches exited non-zero"; cat "$WORK/dask.err"; }
cmp -s "$WORK/single.json" "$WORK/dask.json" || fail "interp-dask patches: JSON differs from the single run"
grep -q "in 2 shards on 2 worker(s)" "$WORK/dask.err" || fail "interp-dask: default shards (200 images: 1 per worker) not used"
grep -q "2/2 shards done, 200 images, .* images/s" "$WORK/dask.err" || fail "interp-dask: no progress on stderr"
grep -q "every shard (the single-run result), 200 images" "$WORK/dask.log" || fail "interp-dask: merge summary"
# The default --shards follows the image count: shards of >= 1,000 images, 1 to 4 per worker. The count is
# interp-dask's own listing (a folder without its masks/, a list file without comments and blank lines), checked
# against what interp processed (200 scenes) and a list file written here.
seq -f "img_%05g.png" 1 9000 > "$WORK/list9000.txt"
printf '# a comment\n\na.png\nb.png \n' > "$WORK/list2.txt"
$PY - "$BIN/interp-dask" "$S" "$WORK" <<'PY' || fail "interp-dask: image count or default shards"
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("interp_dask", sys.argv[1])
m = importlib.util.module_from_spec(importlib.util.spec_from_loader("interp_dask", loader))
loader.exec_module(m)
scenes, work = sys.argv[2], sys.argv[3]
assert m.count_images("patches", ["--images", scenes, "--layer", "relu5"]) == 200
assert m.count_images("evaluate", ["--limit", "12", "--images=" + scenes]) == 12
assert m.count_images("patches", ["--images", work + "/list9000.txt"]) == 9000
assert m.count_images("patches", ["--images", work + "/list2.txt"]) == 2
assert m.count_images("patches", ["--images", work + "/missing"]) is None
assert [m.default_shards(n, 2) for n in (200, 2500, 9000, None)] == [2, 3, 8, 8]
assert [m.default_shards(n, 1) for n in (400, 1500, 100000)] == [1, 2, 4]
PY

E=(--limit 12 --batch 4 --methods gradient,gradcam,smoothgrad --metrics pointing,mass,deletion,sanity --steps 4)
"$BIN/interp" evaluate "${E[@]}" --json "$WORK/eval-single.json" --csv "$WORK/eval-single.csv" \
    > "$WORK/eval-single.log" 2>&1 || { fail "single evaluate run"; cat "$WORK/eval-single.log"; }
step "evaluate"
dask evaluate --workers 2 --shards 2 "${E[@]}" --json "$WORK/eval-dask.json" --csv "$WORK/eval-dask.csv" \
    > "$WORK/eval-dask.log" 2> "$WORK/eval-dask.err" || { fail "interp-dask evaluate exited non-zero"; cat "$WORK/eval-dask.err"; }
same_evaluation "$WORK/eval-single.json" "$WORK/eval-dask.json" "$WORK/eval-single.csv" "$WORK/eval-dask.csv" \
    || fail "interp-dask evaluate: result differs from the single run"
grep -q "^smoothgrad " "$WORK/eval-dask.log" || fail "interp-dask evaluate: no table on stdout"

step "1,000 images on an external scheduler"
# --- 2. 1,000 generated images, 4 shards on 2 workers of a scheduler started here (--scheduler), the worker running
#        shard 2 killed mid-run (the nanny restarts it, the scheduler runs the shard again) ---
D="$WORK/images1000"
$PY "$HERE/dask_dataset.py" "$S" "$D" 1000 || fail "making the 1,000-image folder"
[ "$(ls "$D"/*.png | wc -l)" = 1000 ] || fail "the generated folder does not hold 1,000 images"
SF="$WORK/scheduler.json"
mkdir -p "$WORK/kill" "$WORK/dask-local"
$PY -m distributed.cli.dask_scheduler --scheduler-file "$SF" --host 127.0.0.1 --port 0 --no-dashboard \
    > "$WORK/scheduler.log" 2>&1 &
SCHEDULER=$!
for _ in $(seq 100); do [ -s "$SF" ] && break; sleep 0.2; done
INTERP_DASK_TEST_KILL_WORKER="2:$WORK/kill" $PY -m distributed.cli.dask_worker --scheduler-file "$SF" --nworkers 2 \
    --nthreads 1 --no-dashboard --local-directory "$WORK/dask-local" > "$WORK/workers.log" 2>&1 &
WORKERS=$!
trap 'kill $WORKERS $SCHEDULER 2>/dev/null' EXIT
$PY - "$SF" <<'PY' || fail "the 2 workers did not join the scheduler"
import sys
from distributed import Client
with Client(scheduler_file=sys.argv[1], timeout=60) as c:
    c.wait_for_workers(2, timeout=60)
PY
P=(--images "$D" --layer relu5 --top 9 --one-per-image)
"$BIN/interp" patches "${P[@]}" --json "$WORK/single1000.json" > "$WORK/single1000.log" 2>&1 \
    || { fail "single patches run over 1,000 images"; cat "$WORK/single1000.log"; }
dask patches --scheduler "$SF" --shards 4 "${P[@]}" --json "$WORK/dask1000.json" > "$WORK/dask1000.log" \
    2> "$WORK/dask1000.err" || { fail "interp-dask over 1,000 images with a killed worker exited non-zero"; cat "$WORK/dask1000.err"; }
[ -e "$WORK/kill/killed-shard-2" ] || fail "the test hook did not kill the worker of shard 2"
cmp -s "$WORK/single1000.json" "$WORK/dask1000.json" \
    || fail "interp-dask over 1,000 images with a killed worker: JSON differs from the single run"
grep -q "in 4 shards on 2 worker(s) ($SF)" "$WORK/dask1000.err" || fail "interp-dask --scheduler: cluster line"
grep -q "4/4 shards done, 1000 images" "$WORK/dask1000.err" || fail "interp-dask 1,000 images: progress"

step "failures"
# --- 3. failures: a shard that always fails, a worker that always dies, usage errors ---
B="$WORK/badmask"
$PY "$HERE/dask_dataset.py" "$S" "$B" 16 --bad-mask 9 || fail "making the bad-mask folder"
dask evaluate --scheduler "$SF" --shards 4 --images "$B" --batch 4 --methods gradient --metrics pointing \
    > "$WORK/bad.log" 2> "$WORK/bad.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a failing shard: exit code $rc (expected an error, not 0 or a timeout)"
grep -q "shard 2/4 on .*exited with code 1" "$WORK/bad.err" || fail "a failing shard: which shard failed not said"
grep -q "img_00009.png' is 56x56 but image .* a mask must have its image's size" "$WORK/bad.err" \
    || fail "a failing shard: the shard's error (its stderr) is not in the message"
kill $WORKERS $SCHEDULER 2>/dev/null
wait $WORKERS $SCHEDULER 2>/dev/null
INTERP_DASK_TEST_KILL_WORKER="1:always" dask patches --workers 2 --shards 2 --retries 1 --images "$S" \
    --layer relu5 --json "$WORK/never.json" > "$WORK/dies.log" 2> "$WORK/dies.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a worker that always dies: exit code $rc"
grep -q "shard 1/2: its worker died 2 time(s) (--retries 1)" "$WORK/dies.err" || fail "a worker that always dies: message"
[ ! -e "$WORK/never.json" ] || fail "a failed job wrote its output"
bad() {
    local what="$1" pattern="$2"
    shift 2
    "$BIN/interp-dask" "$@" > "$WORK/u.log" 2>&1
    local code=$?
    [ $code -eq 2 ] || fail "$what: exit code $code (expected 2)"
    grep -q -- "$pattern" "$WORK/u.log" || { fail "$what: message lacks '$pattern'"; cat "$WORK/u.log"; }
}
bad "--shard given" "set by interp-dask" patches --shard 0/2 --images "$S" --layer relu5
bad "unknown command" "use patches or evaluate" occlusion
bad "zero shards" "--shards must be >= 1" patches --shards 0
"$BIN/interp-dask" patches --help > "$WORK/help.log" 2>&1 || fail "interp-dask patches --help"
grep -q -- "--scheduler ADDRESS" "$WORK/help.log" && grep -q -- "--one-per-image" "$WORK/help.log" \
    || fail "interp-dask --help shows neither its options nor interp's"

step "Slurm example"
# --- 4. the Slurm job-array example: 3 array tasks, then the merge job ---
P=(--images "$S" --layer relu3 --layer relu5 --top 6)
for i in 0 1 2; do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=3 SLURM_CPUS_PER_TASK=1 INTERP="$BIN/interp" \
        bash "$SRC/samples/slurm/patches-array.sbatch" "$WORK/slurm" "${P[@]}" > "$WORK/slurm-$i.log" 2>&1 \
        || { fail "Slurm array task $i"; cat "$WORK/slurm-$i.log"; }
done
INTERP="$BIN/interp" bash "$SRC/samples/slurm/patches-merge.sbatch" "$WORK/slurm" --json "$WORK/slurm.json" \
    > "$WORK/slurm-merge.log" 2>&1 || { fail "Slurm merge job"; cat "$WORK/slurm-merge.log"; }
cmp -s "$WORK/single.json" "$WORK/slurm.json" || fail "Slurm example: merged JSON differs from the single run"

step "cmake --install"
# --- 5. cmake --install puts interp-dask beside interp ---
BUILD="$(cd "$BIN/.." && pwd)"
cmake --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/install.log" 2>&1 || { fail "cmake --install"; cat "$WORK/install.log"; }
[ -x "$WORK/prefix/bin/interp-dask" ] && [ -x "$WORK/prefix/bin/interp" ] || fail "interp-dask not installed beside interp"

step "done"
if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
rm -rf "$WORK/prefix" "$D"
echo "all interp-dask checks passed"
