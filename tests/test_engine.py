"""Engine behaviour: waivers, verdicts and grades, selection, crashes contained."""
from __future__ import annotations

import dataclasses
import json

from fixturelib import apply_patch, base_document
from perflint import checks
from perflint.api import check_paths
from perflint.catalogue import default_catalogue
from perflint.checks import load_rules
from perflint.engine import Engine, Selection, judge
from perflint.model import Document, Finding, Location
from perflint.profiles import load_profile

UNBALANCED = [{"set": "/funds/annual/other", "value": 40}]


def write(tmp_path, doc, name="doc.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def finding(code, severity, waived=False):
    return Finding(code, code.lower(), severity, "m", Location(""), {}, (), waived, "r" if waived else None)


def test_grades_follow_the_review_scheme():
    assert judge([]) == ("pass", "优")
    assert judge([finding("I309", "warning")]) == ("pass", "良")
    assert judge([finding("F009", "info")]) == ("pass", "优")
    assert judge([finding("A201", "error")]) == ("return", "中")
    assert judge([finding("F002", "error")]) == ("return", "差")
    assert judge([], no_indicators=True) == ("pass", "差")
    assert judge([finding("A201", "error", waived=True)]) == ("pass", "优")


def test_waived_finding_is_reported_with_its_reason(tmp_path):
    doc = apply_patch(base_document("project_target"), UNBALANCED + [
        {"set": "/waivers", "value": [{"rule": "annual-funds-unbalanced", "where": "", "reason": "捐赠资金待到账"}]}])
    (result,) = check_paths([write(tmp_path, doc)], select=["A201", "W"])
    (f,) = result.documents[0].findings
    assert (f.code, f.waived, f.waiver_reason) == ("A201", True, "捐赠资金待到账")
    assert result.verdict == "pass"


def test_no_waivers_ignores_them_all(tmp_path):
    doc = apply_patch(base_document("project_target"), UNBALANCED + [
        {"set": "/waivers", "value": [{"rule": "A201", "where": "", "reason": "捐赠资金待到账"},
                                      {"rule": "B101", "where": "", "reason": ""}]}])
    (result,) = check_paths([write(tmp_path, doc)], select=["A201", "W"], waivers=False)
    assert [(f.code, f.waived) for f in result.documents[0].findings] == [("A201", False)]
    assert result.verdict == "return"


def test_mandatory_rule_cannot_be_waived(tmp_path):
    cat = default_catalogue()
    profile = dataclasses.replace(load_profile("national", cat), mandatory_rules=frozenset({"A201"}))
    engine = Engine(cat, profile, load_rules(cat), Selection(("A201", "W")))
    doc = apply_patch(base_document("project_target"), UNBALANCED + [
        {"set": "/waivers", "value": [{"rule": "A201", "where": "/funds", "reason": "领导同意"}]}])
    result = engine.check_document(Document.build("project_target", doc))
    assert sorted((f.code, f.waived) for f in result.findings) == [("A201", False), ("W902", False)]
    w902 = next(f for f in result.findings if f.code == "W902")
    assert "强制" in w902.message
    assert result.verdict == "return"


def test_mandatory_rule_survives_ignore():
    cat = default_catalogue()
    profile = dataclasses.replace(load_profile("national", cat), mandatory_rules=frozenset({"A201"}))
    engine = Engine(cat, profile, load_rules(cat), Selection.build(cat, [], ["A", "H"]))
    doc = Document.build("project_target", apply_patch(base_document("project_target"), UNBALANCED))
    assert [f.code for f in engine.check_document(doc).findings] == ["A201"]


def test_selection_by_prefix_and_slug():
    cat = default_catalogue()
    sel = Selection.build(cat, ["A", "unused-waiver"], ["A20"])
    assert sel("A210") and sel("W902") and not sel("A201") and not sel("B101")


def test_crashing_rule_is_contained(tmp_path, monkeypatch):
    load_rules(default_catalogue())

    def broken(doc, ctx):
        raise KeyError("boom")

    monkeypatch.setitem(checks._REGISTRY, "A201", broken)
    doc = apply_patch(base_document("project_target"), [{"set": "/project/name", "value": 12}])
    (result,) = check_paths([write(tmp_path, doc)])
    codes = [f.code for f in result.documents[0].findings]
    assert "F006" in codes and "F003" in codes, "the crash is reported and the other checks still ran"
    f006 = next(f for f in result.documents[0].findings if f.code == "F006")
    assert "A201" in f006.message and "KeyError" in f006.message


def test_findings_render_in_english(tmp_path):
    doc = apply_patch(base_document("project_target"), UNBALANCED)
    (result,) = check_paths([write(tmp_path, doc)], select=["A201"], lang="en")
    assert result.documents[0].findings[0].message.startswith("Annual total 1300.00 (10k yuan)")


def test_findings_inside_a_mistyped_block_are_not_echoed(tmp_path):
    doc = base_document("project_target")
    doc["indicators"] = {i["name"]: i for i in doc["indicators"]}  # a table where a list belongs
    (result,) = check_paths([write(tmp_path, doc)])
    codes = [(f.code, f.location.pointer) for f in result.documents[0].findings]
    assert ("F003", "/indicators") in codes
    assert not [c for c, p in codes if c.startswith("I")], "no I301/I312 echo of the F003"
    assert result.documents[0].grade == "差", "a target sheet with no indicators is still fatal"


def test_real_path_is_realpath_with_folders_resolved_once(tmp_path, monkeypatch):
    import os

    from perflint.engine import real_path

    root = tmp_path.resolve()
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.xlsx").write_bytes(b"")
    (root / "link").symlink_to(root / "a")
    (root / "a" / "fl.xlsx").symlink_to(root / "a" / "b" / "f.xlsx")
    (root / "a" / "rel.xlsx").symlink_to("b/f.xlsx")
    monkeypatch.chdir(root)
    for path in ("link/b/f.xlsx", "a/fl.xlsx", "link/rel.xlsx", "link/fl.xlsx", "a/b/../b/f.xlsx", "missing/x.xlsx",
                 "a/b/", ".", "..", "f", f"{root}/link/b/f.xlsx", "./link/./b/f.xlsx", "link/../a/b/f.xlsx"):
        for _ in range(2):  # the second time with the folder known
            assert real_path(path) == os.path.realpath(path), path
