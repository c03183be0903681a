"""The shipped profiles say what their policy sources say."""
from __future__ import annotations

import json

import pytest

from fixturelib import apply_patch, base_document
from perflint.api import check_paths
from perflint.catalogue import default_catalogue
from perflint.profiles import load_profile

CAT = default_catalogue()


def test_2015_tree_is_88_only():
    p = load_profile("national-2015", CAT)
    assert p.tree["产出指标"] == ("数量指标", "质量指标", "时效指标", "成本指标")
    assert "可持续影响指标" in p.tree["效益指标"]
    assert "成本指标" not in p.tree and "成本指标" not in p.mandatory_level1


def test_2021_tree_is_101_only_with_cost_mandatory():
    p = load_profile("national-2021", CAT)
    assert p.tree["产出指标"] == ("数量指标", "质量指标", "时效指标")
    assert p.tree["成本指标"] == ("经济成本指标", "社会成本指标", "生态环境成本指标")
    assert "可持续影响指标" not in p.tree["效益指标"]
    assert "成本指标" in p.mandatory_level1
    assert p.count_with["成本指标"] == "产出指标"


def test_national_accepts_both_trees():
    p = load_profile("national", CAT)
    assert p.level2_allowed("产出", "成本") and p.level2_allowed("成本指标", "经济成本")
    assert p.level2_allowed("效益指标", "可持续影响") and p.level2_allowed("产出指标", "生态环境成本指标")
    assert not p.level2_allowed("产出指标", "社会效益指标")


def test_local_profile_carries_the_county_bureaus_numbers():
    p = load_profile("local-strict", CAT)
    assert p.parameters["low_execution_rate"] == 85.0  # 罗江
    assert (p.parameters["ex_ante_growth_rate"], p.parameters["ex_ante_growth_amount"], p.parameters["ex_ante_max_years"]) == (20.0, 50.0, 3)  # 达川
    assert p.parameters["prior_selfeval_offset"] == 1  # 同心
    assert {"H501", "H502"} <= p.mandatory_rules
    assert p.severity["I303"] == p.severity["I312"] == "error"  # 同心: incomplete targets get no budget
    assert "达川" in p.source and "罗江" in p.source and "同心" in p.source
    assert p.tree == load_profile("national", CAT).tree


def _check(doc: dict, tmp_path, profile: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return [(f.code, f.severity, f.location.pointer) for r in check_paths([str(path)], profile=profile) for f in r.all_findings()]


def test_a_2021_target_passes_2021_and_fails_2015(tmp_path):
    doc = apply_patch(base_document("project_target"), [
        {"set": "/indicators/3/level1", "value": "成本指标"}, {"set": "/indicators/3/level2", "value": "经济成本指标"}])
    assert [f for f in _check(doc, tmp_path, "national-2021") if f[0][0] in "IS"] == []
    assert [f for f in _check(doc, tmp_path, "national") if f[0][0] in "IS"] == []
    assert ("I302", "error", "/indicators/3/level1") in _check(doc, tmp_path, "national-2015")


@pytest.mark.parametrize("kind", ["project_target", "dept_target", "project_selfeval", "dept_selfeval"])
def test_clean_bases_pass_the_local_profile_indicator_and_scoring_rules(kind, tmp_path):
    found = [f for f in _check(base_document(kind), tmp_path, "local-strict") if f[0][0] in "IS"]
    assert found == []


def test_local_profile_returns_an_incomplete_target(tmp_path):
    doc = apply_patch(base_document("project_target"), [{"set": "/indicators/0/level2", "value": "质量指标"}])
    assert ("I303", "warning", "/indicators/0/level1") in _check(doc, tmp_path, "national")
    assert ("I303", "error", "/indicators/0/level1") in _check(doc, tmp_path, "local-strict")


def test_a_mandatory_rule_cannot_be_disabled_anywhere(tmp_path):
    """The engine, the plan of the cross-document index and `perflint rules` agree: mandatory wins."""
    from perflint.explain import catalogue_rows
    from perflint.run import Run, RunSettings

    prof = tmp_path / "p.toml"
    prof.write_text('extends = "national"\ndisabled = ["H501", "H502"]\nmandatory_rules = ["H501"]\n', encoding="utf-8")
    profile = load_profile(str(prof), default_catalogue())
    assert profile.switched_off("H502") and not profile.switched_off("H501")
    run = Run.load(RunSettings(paths=[], profile=str(prof)))
    assert "H501" in run.cross_codes() and "H502" not in run.cross_codes()
    assert run.engine().wanted("H501") and not run.engine().wanted("H502")
    shown = {code: severity for code, _, severity, _, _ in catalogue_rows("H", "zh", str(prof))}
    assert shown["H501"] != "disabled" and shown["H502"] == "disabled"
