"""SARIF as GitHub code scanning takes it: valid against the official 2.1.0 schema (tests/data), and
what the platform needs beyond the schema: a region with a start line on every result (the real line
and column of a JSON value, the row and column of a workbook cell), fingerprints that survive a rerun
and a change of message, a documentation link for every rule, no info results unless asked for,
automationDetails, and paths that resolve from the repository's root."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from perflint import REPOSITORY
from perflint.catalogue import default_catalogue
from perflint.check_cli import main as check_main
from perflint.formatters import make_formatter
from perflint.formatters.places import cell_position
from perflint.json_positions import value_positions
from perflint.model import DocumentResult, FileResult, Finding, Location
from perflint.report import ReportMeta, Summary

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
META = ReportMeta("0.1.0", "national")


def _validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"  # not a draft
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def github_problems(sarif: dict) -> list[str]:
    """What code scanning would reject or mishandle, beyond the schema."""
    problems = []
    if sarif.get("version") != "2.1.0":
        problems.append("version")
    for run in sarif["runs"]:
        rules = run["tool"]["driver"]["rules"]
        if not run.get("automationDetails", {}).get("id"):
            problems.append("no automationDetails.id")
        if len(run["results"]) > 25000 or len(rules) > 25000:
            problems.append("over the limits of one run")
        for rule in rules:
            if not rule.get("shortDescription", {}).get("text") or not rule.get("help", {}).get("text"):
                problems.append(f"{rule['id']}: no description or help")
            if not str(rule.get("helpUri", "")).startswith("https://"):
                problems.append(f"{rule['id']}: no helpUri")
        for res in run["results"]:
            where = f"{res.get('ruleId')}"
            if not res.get("ruleId") or not res.get("message", {}).get("text"):
                problems.append(f"{where}: ruleId and message.text are required")
            if res.get("level") not in ("error", "warning", "note"):
                problems.append(f"{where}: level {res.get('level')}")
            locs = res.get("locations") or []
            if not 1 <= len(locs) <= 10:
                problems.append(f"{where}: locations")
                continue
            phys = locs[0].get("physicalLocation", {})
            uri = phys.get("artifactLocation", {}).get("uri", "")
            if not uri or uri.startswith(("file:", "/")):
                problems.append(f"{where}: uri {uri!r} is not relative to the repository")
            if not isinstance(phys.get("region", {}).get("startLine"), int) or phys["region"]["startLine"] < 1:
                problems.append(f"{where}: no region.startLine")
            if not res.get("partialFingerprints"):
                problems.append(f"{where}: no partialFingerprints")
    return problems


def _sarif(tmp_path: Path, *args: str, name: str = "r.sarif") -> dict:
    out = tmp_path / name
    code = check_main([*args, "--isolated", "--no-cache", "--format", "text", "-q", "-o", f"sarif:{out}"])
    assert code in (0, 1)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def samples_sarif(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sarif")
    first = _sarif(tmp, str(SAMPLES), "-j", "2", name="a.sarif")
    again = _sarif(tmp, str(SAMPLES), "-j", "1", "--lang", "en", name="b.sarif")
    return first, again


def _results(sarif: dict) -> list[dict]:
    return sarif["runs"][0]["results"]


def _file(sarif: dict, res: dict) -> Path:
    base = unquote(sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"].removeprefix("file://"))
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return Path(os.path.normpath(os.path.join(base, unquote(uri))))


def test_samples_meet_the_schema_and_code_scanning(samples_sarif):
    for sarif in samples_sarif:
        errors = sorted(_validator().iter_errors(sarif), key=str)
        assert not errors, errors[0]
        assert github_problems(sarif) == []
        assert _results(sarif)
    run = samples_sarif[0]["runs"][0]
    assert run["automationDetails"] == {"id": "perflint/"}
    assert run["tool"]["driver"]["informationUri"] == "https://pypi.org/project/perflint-cn/"


def test_json_regions_are_where_the_value_is(samples_sarif):
    """Each JSON result's line and column is where the value its pointer names starts in the file
    (or, for a value the file leaves out, where the nearest enclosing one does)."""
    checked = 0
    for res in _results(samples_sarif[0]):
        path = _file(samples_sarif[0], res)
        if path.suffix != ".json":
            continue
        region = res["locations"][0]["physicalLocation"]["region"]
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        offset = sum(len(line) + 1 for line in lines[:region["startLine"] - 1]) + region["startColumn"] - 1
        value, _ = json.JSONDecoder().raw_decode(text, offset)
        node, ptr = json.loads(text), res["properties"]["pointer"]
        for token in ptr.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                break  # the canonical model names a value this file has not got
        assert value == node, (path.name, ptr, region)
        checked += 1
    assert checked >= 10


def test_json_positions_by_hand():
    text = '{\n  "a": 1,\n  "b": [ {"c": "中文", "d/e": null}, 2 ],\n  "a": "last"\n}'
    pos = value_positions(text)
    assert pos["/a"] == (4, 8), "a repeated key keeps its last value, as the reader does"
    assert pos["/b/0/c"] == (3, 16) and pos["/b/0/d~1e"] == (3, 29) and pos["/b/1"] == (3, 36)
    assert value_positions('{"a": [1, 2') == {"": (1, 1), "/a": (1, 7), "/a/0": (1, 8), "/a/1": (1, 11)}


def test_workbook_regions_are_the_cell(samples_sarif):
    assert cell_position("E9") == (9, 5) and cell_position("AA10") == (10, 27) and cell_position("$B$3:C4") == (3, 2)
    workbook = [r for r in _results(samples_sarif[0]) if _file(samples_sarif[0], r).suffix in (".xlsx", ".xls", ".xlsm")]
    assert workbook
    for res in workbook:
        region = res["locations"][0]["physicalLocation"]["region"]
        cell = res["properties"].get("cell")
        if cell:
            assert (region["startLine"], region["startColumn"]) == cell_position(cell)
            sheet = res["locations"][0]["logicalLocations"][0]
            assert sheet["fullyQualifiedName"] == f"{res['properties']['sheet']}!{cell}"
        else:
            assert region == {"startLine": 1}


def test_fingerprints_are_stable_and_ignore_the_message(samples_sarif):
    first, again = samples_sarif  # the second run: one process, English messages
    key = "perflint/v1"

    def prints(sarif):
        return sorted((r["ruleId"], r["partialFingerprints"][key]) for r in _results(sarif))

    assert prints(first) == prints(again)
    assert {r["message"]["text"] for r in _results(first)} != {r["message"]["text"] for r in _results(again)}
    values = [r["partialFingerprints"][key] for r in _results(first)]
    assert len(values) == len(set(values)), "two findings never share a fingerprint"


def test_fingerprint_ignores_cell_and_line(tmp_path):
    """An inserted row moves a cell; the finding is the same one."""
    def one(cell: str) -> dict:
        path = tmp_path / f"{cell}.sarif"
        fmt = make_formatter("sarif", None, str(path), META)
        f = Finding("A201", "annual-funds-unbalanced", "error", "m", Location("/funds/annual/total", "表", cell))
        doc = DocumentResult("project_target", "表", 2025, "1", "n", "d", (f,), "return", "中")
        fmt.file(FileResult("a.xlsx", (doc,), (), "return"))
        fmt.close(Summary())
        return json.loads(path.read_text(encoding="utf-8"))["runs"][0]["results"][0]

    e9, e10 = one("E9"), one("E10")
    assert e9["partialFingerprints"] == e10["partialFingerprints"]
    assert e9["locations"][0]["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 5}


def test_info_findings_only_when_asked(tmp_path):
    quiet = _sarif(tmp_path, str(SAMPLES), name="quiet.sarif")
    every = _sarif(tmp_path, str(SAMPLES), "--sarif-info", name="every.sarif")
    assert all(r["level"] != "note" for r in _results(quiet))
    notes = [r for r in _results(every) if r["level"] == "note"]
    assert notes and len(_results(every)) == len(_results(quiet)) + len(notes)
    assert not list(_validator().iter_errors(every))


def test_every_rule_links_to_its_page_in_the_repository(samples_sarif):
    rules = samples_sarif[0]["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for rule in rules:
        prefix = f"{REPOSITORY}/blob/main/"
        assert rule["helpUri"].startswith(prefix)
        page = ROOT / rule["helpUri"][len(prefix):]
        assert page == ROOT / "docs" / "rules" / f"{rule['id']}.md" and page.is_file()


def test_rule_pages_are_the_catalogue():
    """docs/rules is generated from the catalogue: regenerate with `python -m perflint.rule_docs`."""
    from perflint.rule_docs import pages

    folder = ROOT / "docs" / "rules"
    wanted = pages()
    assert set(wanted) == {f"{code}.md" for code in default_catalogue().rules} | {"README.md"}
    have = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert sorted(have) == sorted(wanted), "run `python -m perflint.rule_docs`"
    stale = [name for name, text in wanted.items() if have[name] != text]
    assert not stale, f"run `python -m perflint.rule_docs`: {stale[:5]}"


def _git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "x").mkdir(parents=True)
    (repo / "sub").mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    src = SAMPLES / "json"
    faulty = next(p for p in sorted(src.glob("*.json")) if "clean" not in p.name)
    (repo / "x" / "y.json").write_bytes(faulty.read_bytes())
    return repo


@pytest.mark.skipif(not __import__("shutil").which("git"), reason="needs git")
def test_paths_outside_the_current_folder_resolve_from_the_repository_root(tmp_path):
    repo = _git_repo(tmp_path)
    code = subprocess.run([sys.executable, "-m", "perflint", "check", "../x/y.json", "--isolated", "--no-cache",
                           "--format", "sarif"], cwd=repo / "sub", capture_output=True, text=True,
                          env={**os.environ, "PERFLINT_CACHE_DIR": str(tmp_path / "cache")})
    assert code.returncode == 1, code.stderr
    sarif = json.loads(code.stdout)
    run = sarif["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"x/y.json"}, "from the repository's root, not the file's own folder"
    assert github_problems(sarif) == []


def test_paths_outside_any_repository_keep_their_way_up(tmp_path, monkeypatch):
    from perflint.formatters.places import artifact_uri

    assert artifact_uri(str(tmp_path / "x" / "y.json"), str(tmp_path / "a")) == "../x/y.json"
    assert artifact_uri(str(tmp_path / "a" / "表 1.json"), str(tmp_path / "a")) == "%E8%A1%A8%201.json"


def test_min_severity_leaves_findings_out_of_sarif_too(tmp_path):
    errors = _sarif(tmp_path, str(SAMPLES), "--min-severity", "error", "--sarif-info", name="errors.sarif")
    levels = {r["level"] for r in _results(errors)}
    assert levels == {"error"}
