"""perflint benchmark: one-file wall time, batch throughput, peak memory, against the python-calamine floor.

    python bench/bench.py                 # 2,000 workbooks, the full set of measurements
    python bench/bench.py --files 200     # a quick run
    python bench/bench.py --markdown      # also print the README table
    python bench/bench.py --batch-repeat 9   # more rounds of the batch runs (default 5)
    python bench/bench.py --one-file --repeat 41   # only the one-file check against frictionless, in pairs

The corpus (both kinds of form, every layout perflint ships a writer for, .xlsx and .xls, about one in
eight faulty) is generated once into bench/out/ and reused. Every perflint run is a whole process
started the way users start it, with the result cache off, so each file is really read and checked.
Batch runs go in rounds, each a -j 1 run and a -j 2 run back to back (-j 1 first in odd rounds, -j 2
first in even ones), so that a slow minute of a shared machine falls on both and a drift favours
neither. Each time is the median of the rounds, with the lowest and highest beside it; the speed-up is
the median of the rounds' own ratios, each taken over runs made in the same minute. Every round also
repeats the calamine read, and how much that fixed piece of work varied is printed as the machine's
own noise: a target missed by less than that is not settled by one run.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BASES = ROOT / "tests" / "fixtures" / "_base"
GENERATOR_VERSION = "3"

TARGETS = {
    "one_file_s": 0.15,          # one-file check, median wall
    "one_file_vs_frictionless": 0.30,  # one-file check over `frictionless validate` of the same workbook
    "batch_vs_floor_j2": 5.0,    # batch wall at -j 2 over the bare calamine read
    "j2_speedup": 1.7,           # throughput -j 2 over -j 1
    "peak_mb": 250.0,            # peak memory (whole process tree) for the full corpus
}

_FAULTS = [
    [("/funds/annual/other", 40.0)],                       # project_target: annual funds unbalanced
    [("/indicators/0/unit", None)],                        # missing unit
    [("/indicators/0/score", 15)],                         # self-eval: score off the formula
    [("/funds/project", 2500.0)],                          # dept_target: funds unbalanced
]


# ---- corpus -----------------------------------------------------------------------------------
def _set(doc: dict, ptr: str, value) -> bool:
    node = doc
    tokens = ptr.strip("/").split("/")
    for t in tokens[:-1]:
        node = node[int(t)] if isinstance(node, list) else node.get(t)
        if node is None:
            return False
    last = tokens[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif last in node:
        node[last] = value
    else:
        return False
    return True


def _variant(kind: str, i: int, rng: random.Random) -> dict:
    doc = json.loads((BASES / f"{kind}.json").read_text(encoding="utf-8"))
    owner = doc.get("project") or doc.get("department")
    owner["name"] = f"{owner['name']}（第{i}号）"
    owner["code"] = f"{owner.get('code') or '5117'}{i:05d}"[-12:]
    if rng.random() < 0.125:
        for ptr, value in rng.choice(_FAULTS):
            _set(doc, ptr, value)
    return doc


def build_corpus(n: int, out: Path = OUT) -> Path:
    from perflint.template import write_template

    layouts = ["reference", "national", "provincial"]
    kinds = ["project_target", "project_selfeval", "dept_target", "dept_selfeval"]
    digest = hashlib.sha256(f"{GENERATOR_VERSION}:{n}".encode()).hexdigest()[:8]
    folder = out / f"corpus-{n}-{digest}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(20251123)
    started = time.perf_counter()
    for i in range(n):
        kind = kinds[i % len(kinds)]
        layout = layouts[(i // len(kinds)) % len(layouts)]
        suffix = ".xls" if i % 7 == 3 else ".xlsx"
        sub = folder / f"dept{i % 40:02d}"
        sub.mkdir(exist_ok=True)
        write_template(kind, sub / f"{i:05d}_{kind}_{layout}{suffix}", document=_variant(kind, i, rng), layout=layout)
    done.write_text(f"{n} files in {time.perf_counter() - started:.1f} s\n")
    return folder


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".xlsx", ".xls"))


# ---- measuring --------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except (OSError, ValueError):
        return []


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (cheap: only the tree is read,
    so the sampler does not take CPU from the run it measures on a 2-core machine)."""
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page_kb
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


def _children_cpu() -> float:
    """User + system seconds of every finished child process and the children they waited for."""
    try:
        import resource
    except ImportError:  # no resource module (Windows): no CPU time
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(cmd: list[str], sample_memory: bool = False) -> tuple[float, float, int, float]:
    """(wall seconds, peak MB of the process tree, exit code, CPU seconds of the process tree).

    CPU time (user + system of the process and its workers) moves far less than wall time when a
    shared machine's neighbours take a core: it says what perflint itself spent."""
    peak = [0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    env = {**os.environ, "CI": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure as installed: byte-code cached after the first run
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
    if sampler:
        sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    stop.set()
    if sampler:
        sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return wall, peak[0] / 1024, proc.returncode, cpu


_VIA_PATH = False  # --via-path: the first `perflint` on PATH, whatever it is


def perflint_cmd() -> list[str]:
    """The `perflint` script pip installed for the Python running the benchmark (a virtual
    environment's bin/ holds exactly this). A version manager may put its own shim first on PATH:
    pyenv's is a bash script that runs `pyenv exec`, about 60 ms a call on the reference machine,
    which is the shim's cost and not perflint's; `--via-path` measures through it all the same."""
    beside = Path(sys.executable).with_name("perflint.exe" if os.name == "nt" else "perflint")
    if not _VIA_PATH and beside.is_file():
        return [str(beside)]
    exe = shutil.which("perflint")
    return [exe] if exe else [sys.executable, "-m", "perflint"]


def path_shim_cost(repeat: int) -> tuple[str, float] | None:
    """(the `perflint` PATH finds, what it adds to a call) when that is not the script measured."""
    found = shutil.which("perflint")
    measured = perflint_cmd()
    if not found or [found] == measured or Path(found).resolve() == Path(measured[0]).resolve():
        return None
    median = lambda cmd: statistics.median(run_measured(cmd)[0] for _ in range(repeat))  # noqa: E731
    return found, median([found, "--version"]) - median(measured + ["--version"])


def floor_read(files: list[Path]) -> tuple[float, float]:
    """Reading every sheet of every workbook with python-calamine alone, in one process: (wall, CPU)
    seconds."""
    from python_calamine import CalamineWorkbook

    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    return time.perf_counter() - started, time.process_time() - cpu


def round_orders(n: int) -> list[tuple[int, int]]:
    """The -j settings of each batch round, in the order they run: alternated, so that a machine
    growing slower or faster over the run does not always favour the second run of a round."""
    return [(1, 2) if r % 2 == 0 else (2, 1) for r in range(n)]


def paired_speedup(j1_walls: list[float], j2_walls: list[float]) -> float:
    """-j 2's speed-up over -j 1: the median of each round's own ratio. Both runs of a round are made
    within seconds of each other, so a slow spell of a shared machine lengthens both; the ratio of
    the two medians could pair a -j 1 run from a fast minute with a -j 2 run from a slow one."""
    return statistics.median(one / two for one, two in zip(j1_walls, j2_walls, strict=True))


def one_file(path: Path, repeat: int) -> float:
    cmd = perflint_cmd() + ["check", str(path), "--no-cache", "--format", "text"]
    run_measured(cmd)  # warm the OS file cache and the schema cache
    return statistics.median(run_measured(cmd)[0] for _ in range(repeat))


def frictionless_cmd() -> list[str] | None:
    """`frictionless` installed beside this Python (`pip install frictionless`), else beside the Python
    this virtual environment was made from, else the one on PATH. A version manager's shim on PATH
    (pyenv's bash script) would add its own ~60 ms to every frictionless run and flatter the ratio."""
    name = "frictionless.exe" if os.name == "nt" else "frictionless"
    for folder in (Path(sys.executable).parent,
                   Path(sysconfig.get_path("scripts", vars={"base": sys.base_prefix, "platbase": sys.base_prefix}))):
        if (folder / name).is_file():
            return [str(folder / name)]
    found = shutil.which("frictionless")
    return [found] if found else None


def versus_frictionless(path: Path, repeat: int) -> tuple[float, list[float]] | None:
    """A one-file check over `frictionless validate` of the same workbook: the two run back to back
    in each pair, which goes first alternating, and the ratio is the median of the pairs' own
    ratios (as for the batch rounds). None where frictionless is not installed."""
    validator = frictionless_cmd()
    if validator is None:
        return None
    ours = perflint_cmd() + ["check", str(path), "--no-cache", "--format", "text"]
    theirs = validator + ["validate", str(path)]
    run_measured(ours), run_measured(theirs)  # warm both
    ratios = []
    for first, _ in round_orders(repeat):
        if first == 1:
            mine, other = run_measured(ours)[0], run_measured(theirs)[0]
        else:
            other, mine = run_measured(theirs)[0], run_measured(ours)[0]
        ratios.append(mine / other)
    return statistics.median(ratios), ratios


def load_average() -> float | None:
    """The machine's one-minute load average (None where the system has none): a shared machine's
    other work, printed beside every result."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def one_file_only(args: argparse.Namespace) -> int:
    """Only `python -c pass`, the one-file check and `frictionless validate` of the same workbook, in
    pairs: a quick measurement of start-up work, written to results-one-file.json."""
    path = args.workbook or ROOT / "samples" / "xlsx" / "2025_义务教育学生营养改善计划_绩效目标表.xlsx"
    loads = [load_average()]
    results: dict = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                                 "python": platform.python_version(), "system": platform.platform()},
                     "command": perflint_cmd()[0], "frictionless": (frictionless_cmd() or [None])[0],
                     "workbook": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)}
    python = [sys.executable, "-c", "pass"]
    results["python_startup_s"] = statistics.median(run_measured(python)[0] for _ in range(args.repeat))
    ours = perflint_cmd() + ["check", str(path), "--no-cache", "--format", "text"]
    run_measured(ours)
    results["one_file_s"] = statistics.median(run_measured(ours)[0] for _ in range(args.repeat))
    loads.append(load_average())
    versus = versus_frictionless(path, args.repeat)
    loads.append(load_average())
    results["one_file_vs_frictionless"] = versus[0] if versus else None
    results["one_file_vs_frictionless_pairs"] = versus[1] if versus else []
    results["load_average_1min"] = loads
    met = versus is not None and versus[0] <= TARGETS["one_file_vs_frictionless"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results-one-file.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"perflint measured: {results['command']}; frictionless: {results['frictionless']}")
    print(f"load average (1 min) before, between, after: {', '.join(f'{x:.2f}' for x in loads if x is not None)}")
    print(f"python start-up alone (median of {args.repeat}): {results['python_startup_s']:.3f} s")
    print(f"one-file check of {results['workbook']} (median of {args.repeat}): {results['one_file_s']:.3f} s")
    if versus:
        print(f"one-file check / `frictionless validate` (median of {args.repeat} pairs): {versus[0]:.2f}× "
              f"(pairs {min(versus[1]):.2f}–{max(versus[1]):.2f}×)  "
              f"[target ≤ {TARGETS['one_file_vs_frictionless']}×: {'ok' if met else 'MISSED'}]")
    else:
        print("frictionless is not installed (pip install frictionless): no ratio")
    return 0 if met else 1


def batch(folder: Path, jobs: int) -> tuple[float, float, float]:
    """(wall seconds, peak MB, CPU seconds of the process tree) of one batch run."""
    cmd = perflint_cmd() + ["check", str(folder), "--no-cache", "-j", str(jobs), "--format", "json"]
    wall, peak, _, cpu = run_measured(cmd, sample_memory=True)
    return wall, peak, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=15, help="runs of the one-file check (median)")
    ap.add_argument("--batch-repeat", type=int, default=5, help="rounds of the -j 1 / -j 2 batch runs (median)")
    ap.add_argument("--markdown", action="store_true", help="print the README table")
    ap.add_argument("--via-path", action="store_true",
                    help="run the first `perflint` on PATH (a version manager's shim, say) instead of the "
                         "script installed beside this Python")
    ap.add_argument("--out", type=Path, default=OUT, help="where the corpus and results.json go (default bench/out)")
    ap.add_argument("--one-file", action="store_true",
                    help="only the one-file check against `frictionless validate`, --repeat pairs")
    ap.add_argument("--workbook", type=Path, help="the workbook of --one-file (default: a clean sample)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    global _VIA_PATH
    _VIA_PATH = args.via_path
    if args.one_file:
        return one_file_only(args)

    folder = build_corpus(args.files, args.out)
    files = corpus_files(folder)
    small = build_corpus(max(args.files // 4, 50), args.out)
    json_one = ROOT / "samples" / "json" / "project_target_clean.json"
    xlsx_one = next(p for p in files if p.suffix == ".xlsx")

    results: dict = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                                 "python": platform.python_version(), "system": platform.platform()},
                     "files": len(files), "command": perflint_cmd()[0],
                     "load_average_1min": [load_average()]}
    shim = path_shim_cost(args.repeat)
    if shim:
        results["path_shim"] = {"path": shim[0], "added_s": shim[1]}
    python = [sys.executable, "-c", "pass"]
    results["python_startup_s"] = statistics.median(run_measured(python)[0] for _ in range(args.repeat))
    results["one_file_json_s"] = one_file(json_one, args.repeat)
    results["one_file_xlsx_s"] = one_file(xlsx_one, args.repeat)
    versus = versus_frictionless(xlsx_one, args.repeat)
    results["one_file_vs_frictionless"] = versus[0] if versus else None
    results["one_file_vs_frictionless_pairs"] = versus[1] if versus else []
    floor_runs = [floor_read(files)]
    walls: dict[int, list[float]] = {1: [], 2: []}
    peaks: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    for order in round_orders(max(1, args.batch_repeat)):
        for jobs in order:
            wall, peak, cpu = batch(folder, jobs)
            walls[jobs].append(wall)
            peaks[jobs].append(peak)
            cpus[jobs].append(cpu)
        floor_runs.append(floor_read(files))
    floors = [wall for wall, _ in floor_runs]
    floor = min(floors)
    results["floor_s"] = floor
    results["floor_runs_s"] = floors
    results["floor_cpu_s"] = min(cpu for _, cpu in floor_runs)
    results["floor_files_per_s"] = len(files) / floor
    results["machine_noise"] = max(floors) / floor - 1
    for jobs in (1, 2):
        wall = statistics.median(walls[jobs])
        results[f"j{jobs}_s"], results[f"j{jobs}_peak_mb"] = wall, max(peaks[jobs])
        results[f"j{jobs}_runs_s"] = walls[jobs]
        results[f"j{jobs}_files_per_s"] = len(files) / wall
        results[f"j{jobs}_cpu_s"] = statistics.median(cpus[jobs])
        results[f"j{jobs}_cpu_runs_s"] = cpus[jobs]
    results["batch_rounds"] = len(walls[1])
    rounds = [one / two for one, two in zip(walls[1], walls[2])]
    results["j2_speedup_rounds"] = rounds
    small_wall, small_peak, _ = batch(small, 1)
    results["small_files"] = len(corpus_files(small))
    results["small_j1_peak_mb"] = small_peak
    results["batch_vs_floor_j1"] = results["j1_s"] / floor
    results["batch_vs_floor_j2"] = results["j2_s"] / floor
    results["j2_speedup"] = paired_speedup(walls[1], walls[2])
    results["j2_speedup_of_medians"] = results["j1_s"] / results["j2_s"]
    results["peak_mb"] = max(results["j1_peak_mb"], results["j2_peak_mb"])
    results["memory_growth"] = results["j1_peak_mb"] / small_peak if small_peak else None

    checks = {
        "one_file_s": max(results["one_file_json_s"], results["one_file_xlsx_s"]) <= TARGETS["one_file_s"],
        "one_file_vs_frictionless": versus is not None and versus[0] <= TARGETS["one_file_vs_frictionless"],
        "batch_vs_floor_j2": results["batch_vs_floor_j2"] <= TARGETS["batch_vs_floor_j2"],
        "j2_speedup": results["j2_speedup"] >= TARGETS["j2_speedup"],
        "peak_mb": results["peak_mb"] <= TARGETS["peak_mb"],
    }
    results["targets_met"] = checks
    results["load_average_1min"].append(load_average())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    def ok(key: str) -> str:
        if key == "one_file_vs_frictionless" and versus is None:
            return "NOT MEASURED (pip install frictionless)"
        return "ok" if checks[key] else "MISSED"

    vs = (f"{versus[0]:.2f}× (pairs {min(versus[1]):.2f}–{max(versus[1]):.2f}×)" if versus else "not measured")

    print(f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, Python {results['machine']['python']}")
    print(f"corpus: {len(files)} workbooks ({folder})")
    print(f"perflint measured: {results['command']}")
    print(f"load average (1 min) at the start and the end: "
          f"{', '.join(f'{x:.2f}' for x in results['load_average_1min'] if x is not None) or 'unknown'}")
    if shim:
        print(f"  (`perflint` on PATH is {shim[0]}, which adds {shim[1]:.3f} s to every call; not counted)")
    print(f"python start-up alone (median of {args.repeat}): {results['python_startup_s']:.3f} s")
    print(f"one-file check (median of {args.repeat}): json {results['one_file_json_s']:.3f} s, "
          f"xlsx {results['one_file_xlsx_s']:.3f} s  [target ≤ {TARGETS['one_file_s']} s: {ok('one_file_s')}]")
    print(f"one-file check / `frictionless validate` of the same workbook (median of {args.repeat} pairs): {vs}  "
          f"[target ≤ {TARGETS['one_file_vs_frictionless']}×: {ok('one_file_vs_frictionless')}]")
    print(f"floor, python-calamine read alone: {floor:.2f} s ({results['floor_files_per_s']:.0f} files/s); "
          f"repeated each round, it took {min(floors):.2f}–{max(floors):.2f} s: this machine's own noise, "
          f"{results['machine_noise']:.0%}")
    n = results["batch_rounds"]
    for jobs in (1, 2):
        runs = results[f"j{jobs}_runs_s"]
        print(f"perflint -j {jobs} (median of {n}): {results[f'j{jobs}_s']:.2f} s ({results[f'j{jobs}_files_per_s']:.0f} files/s), "
              f"{results[f'j{jobs}_s'] / floor:.1f}× the floor, runs {min(runs):.2f}–{max(runs):.2f} s, "
              f"peak {results[f'j{jobs}_peak_mb']:.0f} MB")
    cpu_floor = results["floor_cpu_s"]
    for jobs in (1, 2):
        runs = results[f"j{jobs}_cpu_runs_s"]
        print(f"perflint -j {jobs} CPU time, user + system of the process tree (median of {n}): "
              f"{results[f'j{jobs}_cpu_s']:.2f} s ({results[f'j{jobs}_cpu_s'] / len(files) * 1000:.2f} ms a file), "
              f"runs {min(runs):.2f}–{max(runs):.2f} s; the floor's CPU time {cpu_floor:.2f} s")
    print(f"batch at -j 2 / floor: {results['batch_vs_floor_j2']:.1f}× "
          f"(runs {min(results['j2_runs_s']) / floor:.1f}–{max(results['j2_runs_s']) / floor:.1f}×)  "
          f"[target ≤ {TARGETS['batch_vs_floor_j2']}×: {ok('batch_vs_floor_j2')}]")
    print(f"-j 2 speed-up over -j 1 (median of the rounds' ratios): {results['j2_speedup']:.2f}× "
          f"(rounds {min(rounds):.2f}–{max(rounds):.2f}×; ratio of the medians {results['j2_speedup_of_medians']:.2f}×)  "
          f"[target ≥ {TARGETS['j2_speedup']}×: {ok('j2_speedup')}]")
    print(f"peak memory: {results['peak_mb']:.0f} MB for {len(files)} files, {small_peak:.0f} MB for "
          f"{results['small_files']} (growth {results['memory_growth']:.2f}×)  [target ≤ {TARGETS['peak_mb']:.0f} MB: {ok('peak_mb')}]")
    if args.markdown:
        print()
        print("| measurement | result | target |")
        print("|---|---|---|")
        print(f"| `python -c pass` on this machine (median of {args.repeat}) | {results['python_startup_s']:.3f} s | |")
        if shim:
            print(f"| what `perflint` on PATH ({shim[0]}) adds to a call, not counted below | {shim[1]:.3f} s | |")
        print(f"| one-file check, JSON (median of {args.repeat}) | {results['one_file_json_s']:.3f} s | ≤ 0.15 s |")
        print(f"| one-file check, xlsx (median of {args.repeat}) | {results['one_file_xlsx_s']:.3f} s | ≤ 0.15 s |")
        print(f"| one-file check / `frictionless validate`, same workbook (median of {args.repeat} pairs) | {vs} | ≤ 0.30× |")
        print(f"| python-calamine read alone, {len(files)} workbooks (fastest of {len(floors)}) | {floor:.2f} s "
              f"({results['floor_files_per_s']:.0f} files/s; slowest {max(floors):.2f} s, noise {results['machine_noise']:.0%}) | floor |")
        for jobs in (1, 2):
            runs = results[f"j{jobs}_runs_s"]
            print(f"| perflint -j {jobs}, median of {n} | {results[f'j{jobs}_s']:.2f} s ({results[f'j{jobs}_files_per_s']:.0f} files/s, "
                  f"{results[f'j{jobs}_s'] / floor:.1f}× floor; runs {min(runs):.2f}–{max(runs):.2f} s) | "
                  f"{'≤ 5× floor' if jobs == 2 else ''} |")
        print(f"| CPU time (user + system, process tree), -j 1 / -j 2, median of {n} | "
              f"{results['j1_cpu_s']:.2f} s / {results['j2_cpu_s']:.2f} s (floor {cpu_floor:.2f} s) | |")
        print(f"| -j 2 speed-up, median of the rounds' ratios | {results['j2_speedup']:.2f}× (rounds {min(rounds):.2f}–{max(rounds):.2f}×) | ≥ 1.7× |")
        print(f"| peak memory, {len(files)} files / {results['small_files']} files | {results['peak_mb']:.0f} MB / {small_peak:.0f} MB | ≤ 250 MB, flat |")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
