"""rules/layouts.toml: one description of the layouts, rendered by the template writer and read by
the workbook reader. Everything a layout writes must be something the reader knows."""
from __future__ import annotations

import re

import pytest

from perflint import layouts as layouts_mod
from perflint import template
from perflint.data import DataError
from perflint.model import KINDS
from perflint.readers.excel.forms import kind_of_title
from perflint.readers.excel.labels import label_book
from perflint.values import halfwidth
from perflint.vocabulary import vocabulary

LAYOUTS = template.LAYOUT.values()


def test_the_writer_renders_every_layout_of_the_file():
    assert template.LAYOUTS == ("reference", "national", "provincial")
    for layout in LAYOUTS:
        assert set(layout.titles) == set(KINDS)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: lay.name)
def test_the_reader_knows_every_title_a_layout_writes(layout):
    for kind in KINDS:
        folded = re.sub(r"\s+", "", halfwidth(layout.titles[kind]))
        assert kind_of_title(folded) == kind, (layout.name, kind)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: lay.name)
def test_every_column_header_reads_back_as_its_column(layout):
    book = label_book()
    columns = layouts_mod.reader_hints().columns
    raw = layouts_mod.layouts()
    for key in dict.fromkeys(layout.target_columns + layout.selfeval_columns):
        canon, _ = book(layout.headers[key])
        if key == "note":  # written for the officer, never read
            assert canon not in columns
            continue
        assert canon in columns, (layout.name, key, layout.headers[key])
        field = columns[canon]
        assert field == key or (key, field) == ("target", "value"), (layout.name, key, field)
        assert raw.widths[key] > 0


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: lay.name)
def test_goal_texts_are_written_under_labels_the_reader_reads_below(layout):
    book = label_book()
    below = vocabulary().layout_of("below")
    for key in ("mt_goal", "an_goal", "expected", "actual", "dept_goal"):
        assert book(layout.labels[key])[0] in below, (layout.name, key)


def test_the_reader_hints_are_canonical_labels():
    book = label_book()
    hints = layouts_mod.reader_hints()
    for label in hints.identity + hints.selfeval_marks + tuple(hints.columns):
        assert book(label)[0] == label


BROKEN = [
    ("[layouts.reference]\nheading = ['{title}']", "layouts.reference.heading", "{year} once"),
    ("[layouts.reference]\nrate = 'fraction'", "layouts.reference.rate", "one of number, percent, text"),
    ("[layouts.reference]\ntarget_columns = ['level1', 'colour']", "layouts.reference.target_columns", "unknown column"),
    ("[layouts.reference.labels]\nnmae = '项目名称'", "layouts.reference.labels.nmae", "unknown key"),
    ("[layouts.reference]\nmerge_levels = 'yes'", "layouts.reference.merge_levels", "true or false"),
    ("[columns.level1]\nlabel = '一级指标'\nwidth = -3", "columns.level1.width", "positive"),
    ("[colours]\nred = 1", "colours", "unknown table"),
]


@pytest.mark.parametrize("patch, key, problem", BROKEN, ids=[b[1] for b in BROKEN])
def test_a_broken_layouts_file_is_a_data_error_naming_file_and_key(tmp_path, monkeypatch, patch, key, problem):
    import tomllib

    shipped = tomllib.loads(layouts_mod._path().read_text(encoding="utf-8"))
    changed = tomllib.loads(patch)
    for table, value in changed.items():  # the patch replaces the keys it names, one level down
        if table in shipped and isinstance(value, dict):
            for name, sub in value.items():
                if isinstance(sub, dict) and isinstance(shipped[table].get(name), dict):
                    shipped[table][name] = {**shipped[table][name], **sub}
                else:
                    shipped[table][name] = sub
        else:
            shipped[table] = value
    path = tmp_path / "layouts.toml"
    path.write_text(_dump(shipped), encoding="utf-8")
    monkeypatch.setattr(layouts_mod, "_path", lambda: path)
    layouts_mod.layouts.cache_clear()
    try:
        with pytest.raises(DataError) as err:
            layouts_mod.layouts()
    finally:
        layouts_mod.layouts.cache_clear()
    assert err.value.key == key and problem in err.value.problem and str(path) in str(err.value)


def _dump(value: dict) -> str:
    """Enough TOML for the shipped file: tables of tables, strings, numbers, booleans, lists."""
    import json

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {scalar(x)}" for k, x in v.items()) + "}"
        return json.dumps(v, ensure_ascii=False)

    lines: list[str] = []

    def table(prefix: str, node: dict) -> None:
        inline = prefix == '"columns"'  # each column is an inline table
        simple = {k: v for k, v in node.items() if not isinstance(v, dict) or inline}
        nested = {k: v for k, v in node.items() if k not in simple}
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(f"{json.dumps(k, ensure_ascii=False)} = {scalar(v)}" for k, v in simple.items())
        for k, v in nested.items():
            table(f"{prefix}.{json.dumps(k, ensure_ascii=False)}" if prefix else json.dumps(k, ensure_ascii=False), v)

    table("", value)
    return "\n".join(lines) + "\n"
