"""Where a batch's time goes per workbook: the CPU time of each stage, in one process.

    python bench/stages.py                  # the 2,000 workbooks of bench.py's corpus
    python bench/stages.py --files 500

Each workbook is taken through the stages one at a time, each timed with the process's CPU clock
(what other work on a shared machine disturbs least) and the collector off, after a warm-up:
reading its bytes, sniffing them, opening the workbook (python-calamine and the package's parts),
reading the forms into documents, then the whole first pass of a batch (`Engine.prepare_file`:
the same again plus the single-document rules and the draft) and the second (`finish_file`: the
cross-document rules, waivers, verdict). The rules' share is the first pass less its reading.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=bench.OUT, help="where the corpus is (default bench/out)")
    args = ap.parse_args()

    from perflint.readers.base import ReadOutcome
    from perflint.readers.excel import open_book, read_book
    from perflint.readers.sniff import sniff
    from perflint.run import Run, RunSettings

    folder = bench.build_corpus(args.files, args.out)
    files = [str(p) for p in bench.corpus_files(folder)]
    run = Run.load(RunSettings(paths=[str(folder)]))
    engine, options = run.engine(keep_records=True), run.options
    for path in files[:20]:
        engine.finish_file(engine.prepare_file(path, options))
    spent = dict.fromkeys(("bytes", "sniff", "open_book", "read_book", "prepare_file", "finish"), 0.0)
    clock = time.process_time
    gc.disable()
    for path in files:
        t0 = clock()
        with open(path, "rb") as fh:
            data = fh.read()
        t1 = clock()
        sniffed = sniff(path, os.path.splitext(path)[1].lower(), options.limits, data)
        t2 = clock()
        book = open_book(data, options.limits, sniffed)
        t3 = clock()
        read_book(book, path, options, ReadOutcome())
        book.close()
        t4 = clock()
        draft = engine.prepare_file(path, options)
        t5 = clock()
        engine.finish_file(draft)
        t6 = clock()
        for key, took in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            spent[key] += took
    gc.enable()
    per = {key: value / len(files) * 1e6 for key, value in spent.items()}
    reading = per["bytes"] + per["sniff"] + per["open_book"] + per["read_book"]
    print(f"{len(files)} workbooks ({folder}); CPU time per workbook, microseconds")
    for key in ("bytes", "sniff", "open_book", "read_book"):
        print(f"  {key:28s} {per[key]:7.0f}")
    print(f"  {'rules and draft':28s} {per['prepare_file'] - reading:7.0f}   (first pass less its reading)")
    print(f"  {'first pass (prepare_file)':28s} {per['prepare_file']:7.0f}")
    print(f"  {'second pass (finish_file)':28s} {per['finish']:7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
