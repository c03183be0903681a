"""A profile's own rules ([[rules]]): semantics, loading errors, examples, and the shipped county profile."""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixturelib import apply_patch, base_document
from perflint.api import check_paths
from perflint.catalogue import default_catalogue
from perflint.check_cli import main as check
from perflint.cli import app
from perflint.data import DataError
from perflint.profiles import load_profile
from perflint.rule_examples import run_examples

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "rules" / "profiles" / "examples" / "county.toml"
SAMPLES = ROOT / "samples"
WORKBOOK = SAMPLES / "xlsx" / "2025_义务教育学生营养改善计划_绩效目标表.xlsx"

# the base target sheet's 家长满意度 is indicator 5, at 90 %
SATISFACTION = '''
[[rules]]
code = "I951"
slug = "satisfaction-below-95"
severity = "error"
kinds = ["project_target", "dept_target"]
message = { zh = "满意度指标「{name}」的指标值 {value:num} 低于 95%（{doc[/project/name]}，{doc[/project/nowhere]}）", en = "Satisfaction '{name}' targets {value:num}, below 95% ({doc[/project/name]})" }
source = "示例"
for_each = "/indicators"
when = { properties = { level1 = { const = "满意度指标" } }, required = ["level1"] }
require = { properties = { value = { type = "number", minimum = 95 } } }
'''


def profile(tmp_path: Path, body: str, name: str = "p.toml", extends: str = "national") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{extends}"\n{body}', encoding="utf-8")
    return path


def submission(tmp_path: Path, doc: dict, name: str = "doc.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def findings(results, code: str = "") -> list:
    return [f for r in results for f in r.all_findings() if f.code.startswith(code)]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = check(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ---- semantics ------------------------------------------------------------------------------

def test_finding_at_the_failing_property_with_item_and_document_values(tmp_path):
    prof = profile(tmp_path, SATISFACTION)
    doc = submission(tmp_path, base_document("project_target"))
    found = findings(check_paths([str(doc)], profile=str(prof)), "I951")
    assert [(f.location.pointer, f.severity, f.slug) for f in found] == [("/indicators/5/value", "error",
                                                                           "satisfaction-below-95")]
    assert found[0].message == "满意度指标「家长满意度」的指标值 90 低于 95%（义务教育学生营养改善计划，（空））"
    en = findings(check_paths([str(doc)], profile=str(prof), lang="en"), "I951")
    assert en[0].message == "Satisfaction '家长满意度' targets 90, below 95% (义务教育学生营养改善计划)"


@pytest.mark.parametrize("require, pointer", [
    # an error that names no property: the finding is at the item
    ('{ not = { properties = { name = { const = "家长满意度" } } } }', "/indicators/5"),
    # a missing required property: the finding points at it
    ('{ required = ["name", "basis"] }', "/indicators/5/basis"),
])
def test_where_a_failing_item_is_pointed_at(require, pointer, tmp_path):
    body = SATISFACTION.replace('require = { properties = { value = { type = "number", minimum = 95 } } }',
                                f"require = {require}")
    doc = submission(tmp_path, base_document("project_target"))
    found = findings(check_paths([str(doc)], profile=str(profile(tmp_path, body))), "I951")
    assert [f.location.pointer for f in found] == [pointer]


def test_whole_document_rule(tmp_path):
    body = '''
[[rules]]
code = "B951"
slug = "generic-name"
severity = "warning"
kinds = "all"
message = { zh = "名称「{doc[/project/name]}」笼统", en = "'{doc[/project/name]}' is generic" }
source = "示例"
require = { properties = { project = { properties = { name = { not = { const = "工作经费" } } } } } }
'''
    prof = profile(tmp_path, body)
    good = submission(tmp_path, base_document("project_target"), "good.json")
    bad = submission(tmp_path, apply_patch(base_document("project_target"),
                                           [{"set": "/project/name", "value": "工作经费"},
                                            {"set": "/project/code", "value": "511703250099"}]), "bad.json")
    results = check_paths([str(good), str(bad)], profile=str(prof))
    assert [(r.path.endswith("bad.json"), f.location.pointer, f.message) for r in results
            for f in r.all_findings() if f.code == "B951"] == [(True, "/project/name", "名称「工作经费」笼统")]
    assert results[1].verdict == "pass"  # a warning of one's own rule returns nothing


def test_workbook_finding_is_at_the_cell_of_the_value(tmp_path):
    from perflint.readers import read_path

    cell = read_path(str(WORKBOOK)).documents[0].locations["/indicators/5/value"]
    found = findings(check_paths([str(WORKBOOK)], profile=str(profile(tmp_path, SATISFACTION))), "I951")
    assert [(f.location.pointer, f.location.sheet, f.location.cell) for f in found] == [
        ("/indicators/5/value", cell.sheet, cell.cell)]


def test_submission_text_in_a_message_stays_data(tmp_path):
    doc = apply_patch(base_document("project_target"),
                      [{"set": "/indicators/5/name", "value": "{doc[/project/code]}{value}{0}{"}])
    found = findings(check_paths([str(submission(tmp_path, doc))], profile=str(profile(tmp_path, SATISFACTION))), "I951")
    assert found[0].message.startswith("满意度指标「{doc[/project/code]}{value}{0}{」的指标值 90")


def test_a_rule_that_cannot_run_becomes_f006_not_a_crash(tmp_path):
    # the schemas are checked at load, so only a validator that fails unexpectedly can raise here
    prof = profile(tmp_path, SATISFACTION)
    loaded = load_profile(str(prof), default_catalogue())
    rule = loaded.rules[0]

    def broken(*_):
        raise RuntimeError("boom")

    object.__setattr__(rule, "_compiled", (None, type("V", (), {"iter_errors": broken})()))
    from perflint.config import Config
    from perflint.run import Run, RunSettings

    engine = Run(RunSettings(paths=[], config=Config()), default_catalogue(), loaded).engine()
    result = engine.check_file(str(submission(tmp_path, base_document("project_target"))))
    assert [(f.code, f.args.get("rule")) for f in result.all_findings()] == [("F006", "I951")]


# ---- as any rule ----------------------------------------------------------------------------

def test_waivers_apply_unless_the_rule_is_mandatory(tmp_path):
    doc = apply_patch(base_document("project_target"),
                      [{"set": "/waivers", "value": [{"rule": "I951", "where": "/indicators/5", "reason": "县长特批"}]}])
    path = submission(tmp_path, doc)
    found = findings(check_paths([str(path)], profile=str(profile(tmp_path, SATISFACTION))), "")
    assert [(f.code, f.waived, f.waiver_reason) for f in found] == [("I951", True, "县长特批")]
    strict = profile(tmp_path, 'mandatory_rules = ["I951"]\n' + SATISFACTION, "strict.toml")
    found = findings(check_paths([str(path)], profile=str(strict)), "")
    assert sorted((f.code, f.waived) for f in found) == [("I951", False), ("W902", False)]


def test_select_and_ignore_by_code_prefix_and_slug(tmp_path, capsys):
    prof = str(profile(tmp_path, SATISFACTION))
    doc = apply_patch(base_document("project_target"), [{"set": "/funds/annual/other", "value": 40}])  # and A201
    path = str(submission(tmp_path, doc))

    def codes(*extra: str) -> list[str]:
        code, out, err = run([path, "--profile", prof, "--format", "json", "--no-cache", *extra], capsys)
        assert code in (0, 1), err
        return sorted(f["code"] for d in json.loads(out)["files"][0]["documents"] for f in d["findings"])

    assert codes() == ["A201", "I951"]
    assert codes("--select", "I951") == ["I951"]
    assert codes("--select", "satisfaction-below-95") == ["I951"]
    assert codes("--select", "I95") == ["I951"]
    assert codes("--ignore", "I951") == ["A201"]
    assert codes("--ignore", "satisfaction-below-95") == ["A201"]


def test_a_profile_that_extends_sets_severity_disables_and_adds_rules(tmp_path):
    profile(tmp_path, SATISFACTION, "county.toml")
    child = profile(tmp_path, '''
[severity]
I951 = "warning"

[[rules]]
code = "B951"
slug = "generic-name"
severity = "error"
kinds = ["project_target"]
message = { zh = "名称笼统", en = "generic name" }
source = "示例"
require = { properties = { project = { properties = { name = { not = { const = "义务教育学生营养改善计划" } } } } } }
''', "town.toml", extends="./county.toml")
    loaded = load_profile(str(child), default_catalogue())
    assert [r.code for r in loaded.rules] == ["I951", "B951"]
    path = str(submission(tmp_path, base_document("project_target")))
    found = findings(check_paths([path], profile=str(child)), "")
    assert sorted((f.code, f.severity) for f in found) == [("B951", "error"), ("I951", "warning")]
    quiet = profile(tmp_path, 'disabled = ["B951"]\n', "quiet.toml", extends="./town.toml")
    assert [(f.code, f.severity) for f in findings(check_paths([path], profile=str(quiet)), "")] == [("I951", "warning")]


def test_user_rules_are_not_catalogue_entries(tmp_path):
    load_profile(str(profile(tmp_path, SATISFACTION)), default_catalogue())
    assert "I951" not in default_catalogue()
    assert all(int(code[1:]) < 950 for code in default_catalogue().rules)


def test_rules_listing_and_explanation(tmp_path):
    prof = str(profile(tmp_path, SATISFACTION))
    runner = CliRunner()
    listed = runner.invoke(app, ["rules", "--profile", prof])
    assert listed.exit_code == 0
    assert "I951\tsatisfaction-below-95\terror" in listed.output
    assert "I951" not in runner.invoke(app, ["rules"]).output
    shown = runner.invoke(app, ["rule", "I951", "--profile", prof, "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    assert f"Declared in: {prof}" in shown.output
    assert "For each: /indicators" in shown.output
    assert '"level1": {"const": "满意度指标"}' in shown.output
    assert '"value": {"type": "number", "minimum": 95}' in shown.output
    assert "Policy basis: 示例" in shown.output
    by_slug = runner.invoke(app, ["rule", "satisfaction-below-95", "--profile", prof])
    assert by_slug.exit_code == 0 and "定义于" in by_slug.output
    unknown = runner.invoke(app, ["rule", "I951"])
    assert unknown.exit_code == 2


# ---- loading errors: exit 2 naming the file and the key --------------------------------------

GOOD = dict(code='"I951"', slug='"x-rule"', severity='"error"', kinds='["project_target"]',
            message='{ zh = "中", en = "en" }', source='"示例"', for_each='"/indicators"',
            require='{ required = ["name"] }')


def rule_toml(**changes: str | None) -> str:
    fields = {**GOOD, **changes}
    return "[[rules]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)


BROKEN = {
    "code-below-range": (rule_toml(code='"I949"'), "rules[0].code"),
    "code-above-range": (rule_toml(code='"I1000"'), "rules[0].code"),
    "unknown-family": (rule_toml(code='"X951"'), "rules[0].code"),
    "code-missing": (rule_toml(code=None), "rules[0].code"),
    "duplicate-code": (rule_toml() + rule_toml(slug='"y-rule"'), "rules[1].code"),
    "duplicate-slug-of-catalogue": (rule_toml(slug='"missing-name"'), "rules.I951.slug"),
    "schema-does-not-compile": (rule_toml(require='{ type = "nonsense" }'), "rules.I951.require.type"),
    "when-does-not-compile": (rule_toml(when='{ minimum = "ten" }'), "rules.I951.when.minimum"),
    "ref-outside": (rule_toml(require='{ "$ref" = "https://example.org/s.json" }'), "rules.I951.require.$ref"),
    "ref-nowhere": (rule_toml(require='{ "$ref" = "#/$defs/none" }'), "rules.I951.require.$ref"),
    "pointer-not-a-pointer": (rule_toml(for_each='"indicators"'), "rules.I951.for_each"),
    "pointer-bad-escape": (rule_toml(for_each='"/a~2"'), "rules.I951.for_each"),
    "unknown-kind": (rule_toml(kinds='["project"]'), "rules.I951.kinds"),
    "missing-language": (rule_toml(message='{ zh = "中" }'), "rules.I951.message.en"),
    "missing-require": (rule_toml(require=None), "rules.I951.require"),
    "unknown-key": (rule_toml(where='"/x"'), "rules.I951.where"),
    "bad-severity": (rule_toml(severity='"fatal"'), "rules.I951.severity"),
    "placeholder-reaches-attribute": (rule_toml(message='{ zh = "{name.__class__}", en = "x" }'),
                                      "rules.I951.message.zh"),
    "placeholder-bad-format": (rule_toml(message='{ zh = "{value:.2f}", en = "x" }'), "rules.I951.message.zh"),
    "unbalanced-brace": (rule_toml(message='{ zh = "{name", en = "x" }'), "rules.I951.message.zh"),
    "rules-not-tables": ('rules = 5\n', "rules"),
    "example-both": (rule_toml() + '[[rules.examples]]\nfail = {}\npass = {}\n', "rules.I951.examples[0]"),
    "example-wrong-kind": (rule_toml() + '[[rules.examples]]\nkind = "dept_target"\npass = {}\n',
                           "rules.I951.examples[0].kind"),
    "severity-of-unknown-code": ('[severity]\nI952 = "warning"\n' + rule_toml(), "severity.I952"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_rule_stops_the_run_naming_file_and_key(case, tmp_path, capsys):
    body, key = BROKEN[case]
    prof = profile(tmp_path, body)
    with pytest.raises(DataError) as caught:
        load_profile(str(prof), default_catalogue())
    assert (caught.value.source, caught.value.key) == (str(prof), key)
    doc = submission(tmp_path, base_document("project_target"))
    code, out, err = run([str(doc), "--profile", str(prof)], capsys)
    assert code == 2
    assert f"{prof}: {key}: " in err and "Traceback" not in err


def test_duplicate_code_across_an_extends_chain_names_the_child(tmp_path):
    profile(tmp_path, rule_toml(), "base.toml")
    child = profile(tmp_path, rule_toml(slug='"other"'), "child.toml", extends="./base.toml")
    with pytest.raises(DataError) as caught:
        load_profile(str(child), default_catalogue())
    assert (caught.value.source, caught.value.key) == (str(child), "rules[0].code")
    assert "base.toml" in caught.value.problem


# ---- examples: perflint profile test ---------------------------------------------------------

EXAMPLES = SATISFACTION + '''
  [[rules.examples]]
  fail = { "/indicators/5/value" = 80 }
  expect = ["/indicators/5/value"]

  [[rules.examples]]
  kind = "dept_target"
  note = "部门目标"
  pass = { "/indicators/4/value" = 96 }
'''


def test_profile_test_passes(tmp_path):
    prof = profile(tmp_path, EXAMPLES)
    result = CliRunner().invoke(app, ["profile", "test", str(prof)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"I951 satisfaction-below-95  ({prof})"
    assert lines[1] == "  ✓ 不通过示例 1 [project_target] → /indicators/5/value"
    assert lines[2] == "  ✓ 通过示例 2 [dept_target] 部门目标"
    assert lines[-1] == "1 条规则，2 个示例：2 个符合预期，0 个不符合"


def test_profile_test_reports_each_example_that_misbehaves(tmp_path):
    body = SATISFACTION + '''
  [[rules.examples]]
  note = "95 is enough"
  fail = { "/indicators/5/value" = 95 }

  [[rules.examples]]
  fail = { "/indicators/5/value" = 10 }
  expect = ["/indicators/4/value"]

  [[rules.examples]]
  pass = { "/indicators/5/value" = 90 }

  [[rules.examples]]
  pass = { fiscal_year = "二〇二五" }

  [[rules.examples]]
  pass = { "/indicators/99/value" = 1 }
'''
    result = CliRunner().invoke(app, ["profile", "test", str(profile(tmp_path, body)), "--lang", "en"])
    assert result.exit_code == 1
    out = result.output
    assert "  ✗ fail example 1 [project_target] 95 is enough\n      expected a finding, got none\n" in out
    assert ("  ✗ fail example 2 [project_target]\n      expected at /indicators/4/value, found at /indicators/5/value\n"
            "      /indicators/5/value: Satisfaction '家长满意度' targets 10, below 95% (义务教育学生营养改善计划)\n") in out
    assert "  ✗ pass example 3 [project_target]\n      expected no finding, got one\n" in out
    assert "  ✗ pass example 4 [project_target]\n      the example is not a valid project_target document: /fiscal_year" in out
    assert "  ✗ pass example 5 [project_target]\n      /indicators/99/value is no place in the base project_target document\n" in out
    assert out.splitlines()[-1] == "1 rules, 5 examples: 0 as expected, 5 not"


def test_profile_test_of_a_broken_profile_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["profile", "test", str(profile(tmp_path, rule_toml(code='"I1"')))])
    assert result.exit_code == 2


@pytest.mark.parametrize("kind", ["project_target", "dept_target", "project_selfeval", "dept_selfeval"])
def test_shipped_bases_are_clean_and_the_test_bases(kind, tmp_path):
    from perflint.userrules import base_document as shipped

    assert shipped(kind) == base_document(kind)


# ---- the shipped example profile ------------------------------------------------------------

def test_county_examples_all_behave():
    prof, outcomes = run_examples(str(COUNTY))
    assert 3 <= len(prof.rules) <= 5
    assert all(r.examples and any(e.expect_fail for e in r.examples) and any(not e.expect_fail for e in r.examples)
               for r in prof.rules)
    assert [(o.code, o.number, o.problem) for o in outcomes if not o.ok] == []
    assert len(outcomes) == sum(len(r.examples) for r in prof.rules)


def test_county_profile_test_command():
    result = CliRunner().invoke(app, ["profile", "test", str(COUNTY)])
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output


def _county_findings(out: str) -> list[tuple[str, str, str]]:
    report = json.loads(out)
    return sorted((Path(f["path"]).name, x["code"], x["location"]["pointer"]) for f in report["files"]
                  for d in f["documents"] for x in d["findings"] if int(x["code"][1:]) >= 950)


def test_samples_with_the_county_profile(capsys):
    code, out, err = run([str(SAMPLES), "--profile", str(COUNTY), "--format", "json", "--no-cache"], capsys)
    assert code == 1, err
    own = _county_findings(out)
    assert ("2024_农村公路日常养护_项目自评表_执行率偏低.json", "S951", "/funds/execution_rate") in own
    assert {c for _, c, _ in own} >= {"S951", "I952", "B952"}
    assert not [x for x in own if x[1] == "S412"]  # replaced by S951 in this profile
    # a batch of two worker processes gives the same findings
    code, parallel, err = run([str(SAMPLES), "--profile", str(COUNTY), "--format", "json", "--no-cache", "-j", "2"],
                              capsys)
    assert _county_findings(parallel) == own
    code, text, err = run([str(SAMPLES), "--profile", str(COUNTY), "--format", "text", "--no-cache"], capsys)
    assert "S951 错误 预算执行率" in text


# ---- cost -----------------------------------------------------------------------------------

def test_no_jsonschema_without_rules_of_ones_own(tmp_path):
    plain = profile(tmp_path, "[parameters]\nlow_execution_rate = 80.0\n")
    script = ("import sys\nfrom perflint.catalogue import default_catalogue\nfrom perflint.profiles import load_profile\n"
              f"load_profile({str(plain)!r}, default_catalogue())\n"
              "print('jsonschema' in sys.modules)\n"
              f"load_profile({str(COUNTY)!r}, default_catalogue())\n"
              "print('jsonschema' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.split() == ["False", "True"], proc.stderr


def test_schemas_compile_once_per_run_and_again_after_pickling(tmp_path, monkeypatch):
    from perflint import userrules

    calls = []
    real = userrules._compile
    monkeypatch.setattr(userrules, "_compile", lambda *a: calls.append(a[2]) or real(*a))
    prof = str(profile(tmp_path, SATISFACTION))
    docs = [str(submission(tmp_path, base_document("project_target"), f"d{i}.json")) for i in range(3)]
    results = check_paths(docs, profile=prof)
    assert len(findings(results, "I951")) == 3
    assert calls == ["rules.I951.when", "rules.I951.require"]  # at load; the three checks reuse them
    rule = load_profile(prof, default_catalogue()).rules[0]
    calls.clear()
    copy = pickle.loads(pickle.dumps(rule))  # a spawned worker: compiles on first use, once
    assert calls == [] and "_compiled" not in copy.__dict__
    copy.compiled()
    copy.compiled()
    assert calls == ["rules.I951.when", "rules.I951.require"]


def test_advice_names_item_and_document_values(tmp_path):
    from perflint.formatters.labels import advice
    from perflint.profiles import with_profile_rules

    body = SATISFACTION + 'advice = { zh = "将「{doc[/project/name]}」的{name}提高到 95%", en = "Raise {name}" }\n'
    prof = profile(tmp_path, body)
    found = findings(check_paths([str(submission(tmp_path, base_document("project_target")))], profile=str(prof)), "I951")
    catalogue = with_profile_rules(default_catalogue(), load_profile(str(prof), default_catalogue()))
    assert advice(catalogue.rules["I951"], "zh", found[0]) == "将「义务教育学生营养改善计划」的家长满意度提高到 95%"


def test_the_result_cache_knows_when_a_rule_changed(tmp_path, capsys):
    folder = tmp_path / "returns"
    folder.mkdir()
    submission(folder, base_document("project_target"))
    prof = profile(tmp_path, SATISFACTION)

    def own() -> list[str]:
        code, out, err = run([str(folder), "--profile", str(prof), "--format", "json"], capsys)  # a folder: cached
        return [x["code"] for f in json.loads(out)["files"] for d in f["documents"] for x in d["findings"]]

    assert own() == ["I951"]
    assert own() == ["I951"]
    prof.write_text(prof.read_text(encoding="utf-8").replace("minimum = 95", "minimum = 90"), encoding="utf-8")
    assert own() == []


def test_the_listing_marks_what_a_profile_disables():
    listed = CliRunner().invoke(app, ["rules", "S", "--profile", str(COUNTY)])
    assert "S412\tlow-execution\tdisabled" in listed.output
    assert "S951\texecution-below-85-returned\terror" in listed.output


def test_the_readme_example_loads_and_its_examples_behave(tmp_path):
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Rules of your own"):]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "county.toml"
    path.write_text(block, encoding="utf-8")
    prof, outcomes = run_examples(str(path))
    assert [r.code for r in prof.rules] == ["I951"]
    assert [(o.expect_fail, o.ok) for o in outcomes] == [(True, True), (False, True)]


def test_an_items_own_keys_cannot_move_its_finding(tmp_path):
    doc = apply_patch(base_document("project_target"), [{"set": "/indicators/5/_cell", "value": "A1"},
                                                        {"set": "/indicators/5/_sheet", "value": "x"}])
    found = findings(check_paths([str(submission(tmp_path, doc))], profile=str(profile(tmp_path, SATISFACTION))), "I951")
    assert [(f.location.pointer, f.location.sheet, f.location.cell) for f in found] == [("/indicators/5/value", None, None)]


def test_rules_rule_and_convert_take_the_configs_profile(tmp_path, monkeypatch):
    prof = profile(tmp_path, SATISFACTION)
    (tmp_path / "perflint.toml").write_text(f'profile = "./{prof.name}"\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # the config is found above the current folder, its path relative to it
    runner = CliRunner()
    listed = runner.invoke(app, ["rules"])
    assert listed.exit_code == 0, listed.output
    assert "I951\tsatisfaction-below-95\terror" in listed.output
    shown = runner.invoke(app, ["rule", "I951", "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    assert "For each: /indicators" in shown.output
    import perflint.serve

    served = []
    monkeypatch.setattr(perflint.serve, "serve", lambda host, port, profile, *rest: served.append(profile) or 0)
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert served == [str(tmp_path / prof.name)]
    # --profile still wins over the config
    assert "I951" not in runner.invoke(app, ["rules", "--profile", "national"]).output
    assert runner.invoke(app, ["rule", "I951", "--profile", "national"]).exit_code == 2
