#!/usr/bin/python3
# This file is part of the interp module (explanations for cv::dnn networks).
# It is subject to the license terms in the LICENSE file found in the top-level directory.
"""interp-dask: `interp patches` and `interp evaluate` over a Dask distributed cluster.

The image list is split into K shards; each shard runs `interp patches|evaluate --shard i/K --json` on a Dask worker
(the `interp` command-line tool; workers need it, the model and the images at the same paths, e.g. on a shared file
system); the shard results travel back through Dask and are combined on this machine by `interp patches-merge` /
`interp evaluate-merge`, the code that merges hand-run shards, into exactly the single-run result. A shard whose
worker dies is run again on another worker (up to --retries times); a shard that fails (interp exits non-zero) fails
the job at once with that shard's error. See doc/distributed.md.
"""

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

# Options of `interp patches` / `interp evaluate` that belong to the merge (the outputs) rather than to the shards.
# All of them take one value.
COMMANDS = {
    "patches": {"merge": "patches-merge",
                "merge_options": ["--json", "--out", "--guided", "--tile", "--gradient-std"]},
    "evaluate": {"merge": "evaluate-merge",
                 "merge_options": ["--json", "--csv", "--markdown"]},
}

# Test hook, honoured only by the tests (test/dask_frontend.sh): "SHARD:DIR" kills the worker process that runs
# shard SHARD while its interp process is working, once (a marker file in DIR records it); "SHARD:always" every time.
KILL_HOOK = "INTERP_DASK_TEST_KILL_WORKER"


class ShardError(Exception):
    """A shard's interp process exited non-zero; the message carries its stderr."""


def _pdeathsig_preexec():
    """A preexec_fn that has the child killed when the worker process that started it dies (Linux prctl
    PR_SET_PDEATHSIG), so a dead worker leaves no interp process behind; None where prctl is unavailable. prctl is
    resolved here, before the fork (module globals are not used: they would travel with the pickled task)."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except Exception:
        return None

    def preexec():
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    return preexec


def _kill_hook(index):
    """The test hook: kill this worker process (not just the task) while shard `index` runs."""
    spec = os.environ.get(KILL_HOOK, "")
    shard, _, mode = spec.partition(":")
    if not spec or shard != str(index):
        return
    if mode != "always":
        try:
            os.close(os.open(os.path.join(mode, "killed-shard-%d" % index), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    time.sleep(0.3)  # let interp start working: the worker dies mid-run (its interp process with it)
    os.kill(os.getpid(), signal.SIGKILL)


def _shard_environment():
    """The environment of a shard's interp process: the worker's, without what Dask's nanny sets for Python work
    (distributed.nanny.pre-spawn-environ: MALLOC_TRIM_THRESHOLD_=65536 makes glibc give the network's large buffers
    back to the system after every batch, 13% slower for ResNet-18; OMP_NUM_THREADS=1 and the like are meant for
    numpy in the worker, while interp sets its own thread count)."""
    env = dict(os.environ)
    try:
        import dask
        preset = dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {}
    except Exception:
        preset = {}
    for key, value in preset.items():
        if env.get(key) == str(value):
            del env[key]
    return env


# The LocalCluster's configuration. Its workers only wait for interp processes, which need the cores: Dask's
# defaults wake every scheduler, nanny and worker 50 to 100 times a second (the event-loop tick every 20 ms, the
# worker's statistical profiler every 10 ms, memory and system monitors, work stealing), about 400 wake-ups/s and
# 5% of a core for 1 worker; with these settings 11 wake-ups/s and 1%. The workers are forked from a forkserver
# (started at once, see start_forkserver) instead of spawned as fresh Python processes.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
}


def start_forkserver():
    """Starts multiprocessing's forkserver, preloaded with distributed, before this process imports distributed, so
    that both imports (~0.45 s each) run at the same time on two cores; the LocalCluster's worker processes are then
    forked from the single-threaded server in a few ms each instead of each starting Python and importing
    distributed again ('spawn', Dask's default), and they inherit the environment from before the nanny adds its
    pre-spawn variables. Falls back to Dask's default when the forkserver cannot start."""
    try:
        import multiprocessing
        import multiprocessing.forkserver
        multiprocessing.set_forkserver_preload(["distributed"])
        multiprocessing.forkserver.ensure_running()
    except Exception:
        LOCAL_CLUSTER_CONFIG.pop("distributed.worker.multiprocessing-method", None)


def run_shard(interp, command, args, index, count, threads, cwd):
    """Runs on a Dask worker: one shard through the interp CLI; returns its JSON result and what it printed."""
    work = tempfile.mkdtemp(prefix="interp-dask-shard-")
    try:
        out = os.path.join(work, "shard.json")
        if not os.path.isfile(interp) or not os.access(interp, os.X_OK):
            interp = shutil.which("interp") or interp
        if threads <= 0:
            # One OpenCV thread per core the worker does not give to other tasks.
            try:
                from distributed import get_worker
                slots = max(1, get_worker().state.nthreads)
            except Exception:
                slots = 1
            threads = max(1, (os.cpu_count() or 1) // slots)
        cmd = [interp, command] + list(args) + ["--shard", "%d/%d" % (index, count), "--json", out,
                                                "--threads", str(threads)]
        start = time.time()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=cwd if cwd and os.path.isdir(cwd) else None, env=_shard_environment(),
                                    preexec_fn=_pdeathsig_preexec())
        except OSError as e:
            raise ShardError("shard %d/%d on %s: cannot run '%s': %s (install interp on the workers, or give its "
                             "path with --interp)" % (index, count, socket.gethostname(), interp, e))
        if os.environ.get(KILL_HOOK):
            _kill_hook(index)
        stdout, stderr = proc.communicate()
        stderr = stderr.decode(errors="replace")
        if proc.returncode != 0:
            # The progress bar redraws with carriage returns: keep the lines a person would read.
            lines = [l.split("\r")[-1] for l in stderr.splitlines() if l.split("\r")[-1].strip()]
            raise ShardError("shard %d/%d on %s: 'interp %s' exited with code %d:\n%s"
                             % (index, count, socket.gethostname(), command, proc.returncode,
                                "\n".join(lines[-20:]) or "(nothing on stderr)"))
        with open(out, encoding="utf-8") as f:
            result = f.read()
        return {"index": index, "json": result, "stdout": stdout.decode(errors="replace"), "stderr": stderr,
                "host": socket.gethostname(), "seconds": time.time() - start}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def split_options(args, names):
    """Takes the options `names` (each with one value: --opt V or --opt=V) out of `args`: (rest, [(name, value)])."""
    rest, taken = [], []
    i = 0
    while i < len(args):
        a = args[i]
        name = a.split("=", 1)[0]
        if name in names:
            if "=" in a:
                taken.append((name, a.split("=", 1)[1]))
            elif i + 1 < len(args):
                taken.append((name, args[i + 1]))
                i += 1
            else:
                raise SystemExit(usage_error("%s needs a value" % a))
        else:
            rest.append(a)
        i += 1
    return rest, taken


def usage_error(message):
    sys.stderr.write("interp-dask: %s (see 'interp-dask --help')\n" % message)
    return 2


def find_interp(given):
    """The interp binary: --interp, else the one installed beside this script, else PATH."""
    if given:
        return os.path.abspath(given) if os.sep in given else (shutil.which(given) or given)
    here = os.path.dirname(os.path.realpath(__file__))
    beside = os.path.join(here, "interp")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which("interp") or "interp"


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm")

# Default shards hold at least this many images (up to 4 shards per worker): each shard pays one interp start (model
# load and first batch, ~2.5 s for ResNet-18 on 2 cores, i.e. ~50 images of a one-thread worker), so a shard of 1,000
# images or more keeps that cost at a few percent.
SHARD_IMAGES = 1000


def count_images(command, args):
    """The number of images the job covers, as interp lists them (cv::interp::listImages: a folder searched
    recursively for image files, without its masks/ folder, or a list file of one path per line, '#' comments);
    None when it cannot be told here (no --images, or a path this machine does not see)."""
    _, taken = split_options(args, ["--images", "--masks", "--limit"])
    values = dict(taken)
    images = values.get("--images")
    if not images:
        return None
    try:
        if os.path.isdir(images):
            masks = [os.path.join(os.path.normpath(images), "masks")]
            if "--masks" in values:
                masks.append(os.path.normpath(values["--masks"]))
            count = 0
            for root, dirs, files in os.walk(images):
                if os.path.normpath(root) in masks:
                    dirs[:] = []
                    continue
                count += sum(1 for f in files if f.lower().endswith(IMAGE_EXTENSIONS))
        elif os.path.isfile(images):
            with open(images, encoding="utf-8", errors="replace") as f:
                count = sum(1 for line in f if line.rstrip("\r\n ") and not line.startswith("#"))
        else:
            return None
        limit = int(values.get("--limit", 0))
    except (OSError, ValueError):
        return None
    return min(count, limit) if command == "evaluate" and limit > 0 else count


def default_shards(images, workers):
    """--shards when not given: shards of at least SHARD_IMAGES images, at least one and at most 4 per worker (a
    few per worker let fast workers take more and bound the work a retry repeats); 4 per worker when the image count
    is unknown."""
    if images is None:
        return 4 * workers
    return min(4 * workers, max(workers, -(-images // SHARD_IMAGES)))


def shard_images(command, result):
    """Images a shard result covers (read or skipped)."""
    r = json.loads(result)
    if command == "patches":
        return int(r["dataset"]["processed"]) + int(r["dataset"]["skipped"])
    return len(r["images"]["index"])


class Progress:
    """Shards done / total and images/s on stderr (one line per update; redrawn in place on a terminal)."""

    def __init__(self, total):
        self.total, self.done, self.images, self.start = total, 0, 0, time.time()
        self.tty = sys.stderr.isatty()

    def shard_done(self, images):
        self.done += 1
        self.images += images
        elapsed = max(time.time() - self.start, 1e-9)
        line = "interp-dask: %d/%d shards done, %d images, %.1f images/s" % (self.done, self.total, self.images,
                                                                            self.images / elapsed)
        sys.stderr.write(("\r" + line + ("\n" if self.done == self.total else "")) if self.tty else line + "\n")
        sys.stderr.flush()

    def elapsed(self):
        return time.time() - self.start


HELP = """usage: interp-dask {patches|evaluate} [--scheduler ADDRESS] [--workers N] [--shards K] [--retries R]
                   [--interp PATH] [options of 'interp patches' / 'interp evaluate' ...]

Runs 'interp patches' or 'interp evaluate' as K shards on a Dask distributed cluster and merges the shard results
with 'interp patches-merge' / 'interp evaluate-merge' into exactly the single-run result. Every other option is the
interp command's (see 'interp patches --help', 'interp evaluate --help'); --shard is set by interp-dask.

options:
  --scheduler ADDRESS  Dask scheduler to use (tcp://host:8786, or a scheduler file); default: a LocalCluster on
                       this machine
  --workers N          LocalCluster size (default: the machine's cores, %d)
  --shards K           number of shards (default: 4 per worker)
  --retries R          times a shard is run again after its worker died (default 3); a shard whose interp process
                       fails is not retried: the job stops with its error
  --interp PATH        the interp binary on the workers (default: the one beside interp-dask, else PATH)

Progress (shards done / total, images/s) goes to stderr, the merged summary or table to stdout.
Paths (--model, --images, ...) must name the same files on every worker: use absolute paths on a shared file
system. See doc/distributed.md.
"""


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help", "help"):
        (sys.stdout if argv else sys.stderr).write(HELP % (os.cpu_count() or 1))
        return 0 if argv else 2
    command = argv[0]
    if command not in COMMANDS:
        return usage_error("unknown command '%s': use patches or evaluate" % command)
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--scheduler")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--shards", type=int)
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--interp")
    try:
        opts, rest = parser.parse_known_args(argv[1:])
    except SystemExit:
        return 2
    interp = find_interp(opts.interp)
    spec = COMMANDS[command]
    if "-h" in rest or "--help" in rest:
        sys.stdout.write(HELP % (os.cpu_count() or 1) + "\n")
        sys.stdout.flush()
        return subprocess.call([interp, command, "--help"])
    if opts.workers is not None and opts.workers < 1:
        return usage_error("--workers must be >= 1")
    if opts.shards is not None and opts.shards < 1:
        return usage_error("--shards must be >= 1")
    if opts.retries < 0:
        return usage_error("--retries must be >= 0")
    if opts.scheduler and opts.workers is not None:
        return usage_error("--workers sizes the LocalCluster; with --scheduler the cluster has its own workers")
    rest, merge_args = split_options(rest, spec["merge_options"])
    rest, shard_opt = split_options(rest, ["--shard"])
    if shard_opt:
        return usage_error("--shard is set by interp-dask (use --shards K)")
    rest, threads_opt = split_options(rest, ["--threads"])
    if not (os.path.isfile(interp) and os.access(interp, os.X_OK)):
        sys.stderr.write("interp-dask: error: cannot find the interp binary ('%s'): build it, put it on PATH or "
                         "give --interp PATH\n" % interp)
        return 1

    if not opts.scheduler:
        start_forkserver()
    import dask
    from distributed import Client, LocalCluster, as_completed
    from distributed.scheduler import KilledWorker

    # A shard whose worker dies is rescheduled this many times (the scheduler's allowed-failures; for --scheduler,
    # set distributed.scheduler.allowed-failures in its configuration).
    dask.config.set({"distributed.scheduler.allowed-failures": opts.retries})
    if not opts.scheduler:
        dask.config.set(LOCAL_CLUSTER_CONFIG)
        try:  # the forkserver runs already: keep Dask from importing numpy & co. here only to preload them in it
            import distributed.utils
            if hasattr(distributed.utils, "_forkserver_preload_set"):
                distributed.utils._forkserver_preload_set = True
        except ImportError:
            pass
    cluster = None
    threads = int(threads_opt[-1][1]) if threads_opt else 0
    try:
        if opts.scheduler:
            if os.path.isfile(opts.scheduler):
                client = Client(scheduler_file=opts.scheduler)
            else:
                client = Client(opts.scheduler)
            workers = max(1, len(client.scheduler_info().get("workers", {})))
        else:
            workers = opts.workers or (os.cpu_count() or 1)
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.CRITICAL)
            client = Client(cluster)
            if not threads:  # the workers share this machine's cores
                threads = max(1, (os.cpu_count() or 1) // workers)
    except Exception as e:
        sys.stderr.write("interp-dask: error: cannot start or reach the Dask cluster: %s\n" % e)
        if cluster is not None:
            cluster.close()
        return 1
    shards = opts.shards or default_shards(count_images(command, rest), workers)
    sys.stderr.write("interp-dask: %s in %d shards on %d worker(s) (%s)\n"
                     % (command, shards, workers, opts.scheduler or "LocalCluster"))
    tmp = tempfile.mkdtemp(prefix="interp-dask-")
    progress = Progress(shards)
    token = uuid.uuid4().hex[:8]
    futures = []
    merging, merged = None, 1
    try:
        for i in range(shards):
            futures.append(client.submit(run_shard, interp, command, rest, i, shards, threads, os.getcwd(),
                                         key="interp-%s-%s-shard-%d-of-%d" % (command, token, i, shards),
                                         pure=False, retries=0))
        files = [None] * shards
        for future in as_completed(futures):
            try:
                r = future.result()
            except KilledWorker as e:
                index = futures.index(future)
                return fail("shard %d/%d: its worker died %d time(s) (--retries %d), last on %s"
                            % (index, shards, opts.retries + 1, opts.retries, e.last_worker.address))
            except Exception as e:  # ShardError (the shard's stderr) or a worker-side error
                return fail(str(e))
            files[r["index"]] = os.path.join(tmp, "shard-%d.json" % r["index"])
            with open(files[r["index"]], "w", encoding="utf-8") as f:
                f.write(r["json"])
            for line in r["stderr"].splitlines():
                line = line.split("\r")[-1]
                if "warning" in line:
                    sys.stderr.write("interp-dask: shard %d/%d: %s\n" % (r["index"], shards, line))
            progress.shard_done(shard_images(command, r["json"]))
        elapsed = progress.elapsed()
        sys.stderr.write("interp-dask: %d images in %.2f s on %d worker(s): %.1f images/s\n"
                         % (progress.images, elapsed, workers, progress.images / max(elapsed, 1e-9)))
        merge = [interp, spec["merge"]] + files
        for name, value in merge_args:
            merge += [name, value]
        sys.stdout.flush()
        # The merge runs while the cluster closes (below); it reads the shard files, removed after it ends.
        merging = subprocess.Popen(merge, env=_shard_environment())
    except KeyboardInterrupt:
        sys.stderr.write("interp-dask: interrupted\n")
        return 130
    finally:
        for f in futures:
            f.cancel()
        try:
            client.close()
            if cluster is not None:
                cluster.close()
            if merging is not None:
                merged = merging.wait()
        except KeyboardInterrupt:
            if merging is not None:
                merging.kill()
                merging.wait()
            sys.stderr.write("interp-dask: interrupted\n")
            merged = 130
        shutil.rmtree(tmp, ignore_errors=True)
    return merged


def fail(message):
    sys.stderr.write("interp-dask: error: %s\n" % message)
    return 1


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Everything is closed and written by now; the interpreter's own shutdown after a Dask cluster (Dask's and
    # multiprocessing's exit handlers, module teardown) would add ~0.15 s to every job: leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
