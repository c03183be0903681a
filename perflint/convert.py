"""`perflint convert`: workbooks (and JSON) to canonical JSON, one file per document.

The JSON is what the rules see, so a repository that keeps converted JSON gets the same findings
as from the workbook. What a workbook says that canonical JSON cannot hold directly is carried
over on purpose: a value the reader could not read as a number (F004) is written back as the
text it found, so that checking the JSON reports it again at the same pointer; a formula without
a computed value (F005) is written as its formula text, so the JSON is not silently clean there
(it becomes F004 at the same pointer: JSON has no formulas); and a waiver that names a cell
(Sheet1!F8) is rewritten to the JSON pointer of the value read from that cell.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, TextIO

from .formatters.safe import one_line
from .model import Document, Hit, pointer_tokens, thaw

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
_CELL = re.compile(r"^(?:(?P<sheet>.+)!)?\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>\d+)$")
# a formula without a cached value has no value to write: the converter says so (the layout
# notes F008/F009 need no JSON and are not repeated)
_LOST_IN_JSON = ("F005",)


def document_json(doc: Document) -> dict:
    """The canonical JSON of a document read from any format, ready to be written."""
    data = thaw(doc.data)
    for code, hit in doc.reader_hits:
        if code == "F004" and "value" in hit.args:
            _restore(data, hit.pointer, hit.args["value"])
        elif code == "F005" and hit.pointer and hit.args.get("formula") and doc.get(hit.pointer) is None:
            _restore(data, hit.pointer, str(hit.args["formula"]))
    waivers = data.get("waivers")
    if isinstance(waivers, list) and doc.locations:
        by_cell = {}
        for ptr, cell in doc.locations.items():
            by_cell.setdefault((cell.sheet, cell.cell.upper()), ptr)
            by_cell.setdefault((None, cell.cell.upper()), ptr)
        for waiver in waivers:
            if isinstance(waiver, dict) and isinstance(waiver.get("where"), str):
                m = _CELL.match(waiver["where"].strip())
                if m:
                    key = (m.group("sheet"), f"{m.group('col').upper()}{m.group('row')}")
                    if key in by_cell:
                        waiver["where"] = by_cell[key]
    return data


def _restore(data: Any, ptr: str, raw: Any) -> None:
    tokens = pointer_tokens(ptr)
    node = data
    for token in tokens[:-1]:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return
    if isinstance(node, dict) and tokens:
        node[tokens[-1]] = raw
    elif isinstance(node, list) and tokens and tokens[-1].isdigit() and int(tokens[-1]) < len(node):
        node[int(tokens[-1])] = raw


def dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def output_names(path: str, docs: list[Document]) -> list[str]:
    stem = Path(path).stem
    if len(docs) == 1:
        return [f"{stem}.json"]
    names, seen = [], set()
    for i, doc in enumerate(docs, start=1):
        part = _UNSAFE.sub("_", doc.sheet or "").strip("_.") or str(i)
        name = f"{stem}.{part}.json"
        if name in seen:
            name = f"{stem}.{part}.{i}.json"
        seen.add(name)
        names.append(name)
    return names


def _message(catalogue, code: str, hit: Hit) -> str:
    from .messages import render

    try:
        meta = catalogue[code]
        return render(meta.template("zh", hit.variant), {k: v for k, v in hit.args.items() if not k.startswith("_")})
    except Exception:  # the message is a courtesy; the code says what happened
        return ""


def _where(doc: Document | None, hit: Hit) -> str:
    if hit.sheet and hit.cell:
        return f"{hit.sheet}!{hit.cell}"
    if doc is not None:
        return doc.locate(hit.pointer).display()
    return hit.pointer or ""


def _free_target(target: Path, source: Path, inputs: set[Path], written: set[Path]) -> Path:
    """Never an input of this run (the file itself, or a.json given beside a.xlsx), never a file
    this run already wrote (a.xlsx and a.xls side by side)."""
    if target.resolve() == source.resolve():
        target = target.with_name(f"{source.stem}.canonical.json")
    if target.resolve() in written or target.resolve() in inputs:
        target = target.with_name(f"{source.stem}.{source.suffix.lstrip('.')}{target.name[len(source.stem):]}")
    return target


def convert_files(files: Iterable[str], out_dir: str | os.PathLike | None, profile: str = "national",
                  *, stdout: TextIO | None = None, stderr: TextIO | None = None, force: bool = False) -> int:
    """Convert each file; 0 when every file gave its documents, 1 when any could not be read, 2 when
    an output file exists (and `force` is not given) or cannot be written: that file is left as it
    was, the others are still written."""
    from .output import write_file

    from .catalogue import default_catalogue
    from .profiles import load_profile
    from .readers import ReaderOptions, read_path

    out, err = stdout or sys.stdout, stderr or sys.stderr
    catalogue = default_catalogue()
    prof = load_profile(profile, catalogue)
    options = ReaderOptions(aliases=prof.aliases)
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    files = list(files)
    inputs = {Path(f).resolve() for f in files}
    written: set[Path] = set()
    code = 0
    for path in files:
        if not os.path.isfile(path):
            err.write(f"perflint: {one_line(path)}: no such file\n")
            code = max(code, 1)
            continue
        outcome = read_path(path, options)
        for c, hit in outcome.hits:
            if c in catalogue.rules and catalogue[c].severity != "error":
                continue
            err.write(f"perflint: {path}: {c} {_message(catalogue, c, hit)}\n")
            code = max(code, 1)
        if not outcome.documents:
            if not outcome.hits:
                err.write(f"perflint: {path}: no form found\n")
            code = max(code, 1)
            continue
        folder = Path(out_dir) if out_dir is not None else Path(path).parent
        for doc, name in zip(outcome.documents, output_names(path, outcome.documents)):
            target = _free_target(folder / name, Path(path), inputs, written)
            for c, hit in doc.reader_hits:
                if c in _LOST_IN_JSON:
                    err.write(f"perflint: {path}: {_where(doc, hit)}: {c} {_message(catalogue, c, hit)}"
                              f"（JSON 中写入公式文本）\n")
            if os.path.lexists(target) and not force:
                err.write(f"perflint: {target}: exists; give --force to overwrite it\n")
                code = 2
                continue
            try:
                write_file(target, dumps(document_json(doc)))  # whole or not at all
            except OSError as exc:
                err.write(f"perflint: {exc.filename or target}: cannot be written: {exc.strerror or exc}\n")
                code = 2
                continue
            written.add(target.resolve())
            out.write(f"{target}\n")
    return code


def explain_files(files: Iterable[str], profile: str = "national", *, stdout: TextIO | None = None,
                  stderr: TextIO | None = None) -> int:
    """`perflint convert --explain`: for each sheet, each canonical field with the cell it came from
    and the label that led there, the labels the reader could not place, and the fields it could
    not find. Writes nothing."""
    from .catalogue import default_catalogue
    from .profiles import load_profile
    from .readers import ReaderOptions, read_path

    out, err = stdout or sys.stdout, stderr or sys.stderr
    prof = load_profile(profile, default_catalogue())
    options = ReaderOptions(aliases=prof.aliases, explain=True)
    code = 0
    for path in files:
        if not os.path.isfile(path):
            err.write(f"perflint: {one_line(path)}: no such file\n")
            code = 1
            continue
        outcome = read_path(path, options)
        out.write(f"{one_line(path)}\n")
        docs = {doc.sheet: doc for doc in outcome.documents}
        if not outcome.explanations:
            if outcome.documents:
                out.write("  JSON 文档：字段即其键，无需对照标签\n")
            else:
                out.write("  未读出任何表（见 perflint check 的 F 类结果）\n")
                code = 1
        for sheet in outcome.explanations:
            doc = docs.get(sheet["sheet"])
            name = one_line(sheet["sheet"])
            if sheet["kind"] is None:
                out.write(f"  工作表“{name}”：不是四类表之一，已跳过\n")
            else:
                out.write(f"  工作表“{name}”：{sheet['kind']}\n")
            for item in sorted(sheet["fields"], key=lambda f: _pointer_order(f["pointer"])):
                value = doc.get(item["pointer"]) if doc is not None else None
                if isinstance(value, (Mapping, tuple)):
                    continue  # a block: its fields are listed one by one
                labels = " × ".join(f"{_label(lab['text'])}（{lab['cell']}）" for lab in item["labels"]) or "（按位置）"
                out.write(f"    {item['pointer']:<34} {item['cell']:<6} ← {labels} = {_short(value)}\n")
            for ptr, canon in sheet["missing"].items():
                out.write(f"    {ptr:<34} 未找到标签“{canon}”\n")
            if sheet["unplaced"]:
                seen = "、".join(f"{_label(u['text'])}（{u['cell']}）" for u in sheet["unplaced"])
                out.write(f"    未能放置的标签：{seen}\n")
    return code


def _pointer_order(ptr: str) -> tuple:
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in pointer_tokens(ptr))


def _short(value: Any) -> str:
    if value is None:
        return "（空）"
    text = str(value).replace("\r\n", " ").replace("\n", " ")
    text = text if len(text) <= 30 else text[:29] + "…"
    return one_line(text)


_LABEL_BREAK = re.compile(r"[ \t]*[\r\n\u2028\u2029]+[ \t]*")


def _label(text: str) -> str:
    """A label on one line: the line breaks of a vertical label (年度\n总体\n目标) are layout, so it
    reads 年度总体目标; words of Latin letters keep a space between them; controls are escaped."""
    def join(m: re.Match) -> str:
        before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        return " " if before.isascii() and before.isalnum() and after.isascii() and after.isalnum() else ""

    return one_line(_LABEL_BREAK.sub(join, text))
