"""Rule fixtures as data: tests/fixtures/<CODE>/{fail,pass}_*.json.

A fixture names a clean base document (tests/fixtures/_base/<kind>.json) and patches it, or gives
a whole `document`, or `raw` file text (for reader-level codes). Its `expect` lists the exact
(code, location) pairs of the findings of the fixture's code: pointer, or "Sheet!C7" for
workbooks. A `pass_` fixture expects none. Optional keys:

- "profile": a profile name; "parameters": overrides of profile parameters;
- "suffix": the file suffix for `raw` (default .json); "raw_b64": bytes instead of text;
- "history": documents (or patched bases) that form the cross-document history;
- "registry": the text of a registry table (CSV, see perflint/history/registry.py) passed as --registry;
- "codes": other codes whose findings also count (default: only the folder's code);
- "batch": check through the batch runner (perflint.batch) rather than one by one, for the codes
  the batch itself gives (F010, F011): {"jobs": N (a pool when > 1), "timeout": seconds,
  "simulate": "hang" | "stuck" | "crash"}. `simulate` makes the check of the input file misbehave
  so that the batch's real time limit or crash handling must act: "hang" sleeps (the worker's
  timer stops it), "stuck" sleeps with the timer signal blocked, as in C code (the batch kills the
  worker), "crash" kills the worker process.
"""
from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "_base"


def _simulate_hang(engine, path, options):
    import time

    time.sleep(60)
    return engine.check_file(path, options)


def _simulate_stuck(engine, path, options):
    import signal
    import time

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(60)
    return engine.check_file(path, options)


def _simulate_crash(engine, path, options):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
    return engine.check_file(path, options)


SIMULATIONS = {"hang": _simulate_hang, "stuck": _simulate_stuck, "crash": _simulate_crash}


def base_document(kind: str) -> dict:
    return json.loads((BASE / f"{kind}.json").read_text(encoding="utf-8"))


def _tokens(ptr: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]] if ptr else []


def _walk(doc: Any, tokens: list[str]) -> tuple[Any, str]:
    node = doc
    for t in tokens[:-1]:
        node = node[int(t)] if isinstance(node, list) else node.setdefault(t, {})
    return node, tokens[-1]


def apply_patch(doc: dict, ops: list[dict]) -> dict:
    """Ops: {"set": ptr, "value": v}, {"remove": ptr}, {"append": ptr, "value": v}."""
    doc = copy.deepcopy(doc)
    for op in ops:
        if "set" in op:
            parent, last = _walk(doc, _tokens(op["set"]))
            if isinstance(parent, list):
                parent[int(last)] = op["value"]
            else:
                parent[last] = op["value"]
        elif "remove" in op:
            parent, last = _walk(doc, _tokens(op["remove"]))
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                parent.pop(last, None)
        elif "append" in op:
            parent, last = _walk(doc, _tokens(op["append"]))
            target = parent[int(last)] if isinstance(parent, list) else parent.setdefault(last, [])
            target.append(op["value"])
        else:
            raise ValueError(f"unknown patch op {op}")
    return doc


def build_document(spec: dict) -> dict:
    if "document" in spec:
        return spec["document"]
    return apply_patch(base_document(spec["base"]), spec.get("patch", []))


def write_input(spec: dict, folder: Path, name: str = "input") -> Path:
    """Write the fixture's submission to a file, as perflint would meet it."""
    if "raw_b64" in spec:
        path = folder / f"{name}{spec.get('suffix', '.json')}"
        path.write_bytes(base64.b64decode(spec["raw_b64"]))
    elif "raw" in spec:
        path = folder / f"{name}{spec.get('suffix', '.json')}"
        path.write_bytes(spec["raw"].encode(spec.get("encoding", "utf-8")))
    else:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(build_document(spec), ensure_ascii=False), encoding="utf-8")
    return path


def all_fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("[A-Z][0-9][0-9][0-9]/*.json"))


def location_key(finding: dict) -> str:
    loc = finding["location"]
    if loc.get("sheet") and loc.get("cell"):
        return f"{loc['sheet']}!{loc['cell']}"
    return loc["pointer"]


CLEAN = base_document("project_target")
FAULTY = apply_patch(CLEAN, [{"set": "/funds/annual/other", "value": 40}])  # A201 at /funds/annual/total

_PROJECTS: dict[str, int] = {}


def distinct(path: Path, doc: dict) -> dict:
    """Each file its own project: two files of one project in a run are a duplicate submission (H505)."""
    n = _PROJECTS.setdefault(str(path.resolve()), len(_PROJECTS) + 1)
    patch = [{"set": "/project/code", "value": f"5117032{n:05d}"}] if "code" in doc.get("project", {}) else []
    if "name" in doc.get("project", {}):
        patch.append({"set": "/project/name", "value": f"{doc['project']['name']}（{n}）"})
    return apply_patch(doc, patch)


def write(path: Path, content: dict | str) -> Path:
    """Write a submission (each document its own project) or raw text, creating folders."""
    if isinstance(content, dict):
        content = distinct(path, content)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


# ---- results: compared, reported --------------------------------------------------------------

def approx_numbers(value: Any) -> Any:
    """`value` with every number compared approximately: amounts divided by 10000 (单位：元) come
    back as floats."""
    import pytest

    if isinstance(value, dict):
        return {k: approx_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [approx_numbers(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return pytest.approx(value, rel=1e-9, abs=1e-6)
    return value


def report_through(fmt: Any, results: Any) -> Any:
    """Every result through the formatter `fmt`, then its close, as a run does; the run's Summary."""
    from perflint.report import Summary

    summary = Summary()
    for result in results:
        summary.add(result)
        fmt.file(result)
    fmt.close(summary)
    return summary
