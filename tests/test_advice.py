"""整改建议: concrete where perflint computed the expected figure, a short action otherwise."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from excel_workbooks import project_target, save
from fixturelib import apply_patch, base_document, write_input
from perflint.api import check_paths
from perflint.catalogue import default_catalogue
from perflint.formatters.labels import advice

CATALOGUE = default_catalogue()
ROOT = Path(__file__).resolve().parent.parent


def _advice_for(tmp_path: Path, kind: str, patch: list[dict], code: str, lang: str = "zh") -> list[str]:
    path = write_input({"base": kind, "patch": patch}, tmp_path, code)
    result = check_paths([str(path)], lang=lang)[0]
    return [advice(CATALOGUE.rules[code], lang, f) for f in result.all_findings() if f.code == code]


@pytest.mark.parametrize("code, kind, patch, expected", [
    ("A201", "project_target", [{"set": "/funds/annual/other", "value": 40}],
     "年度资金总额 应为 1290.00（= 1250.00 + 40.00），或更正 年度资金总额 · 财政拨款/年度资金总额 · 其他资金"),
    ("A204", "project_selfeval", [{"set": "/funds/other/executed", "value": 30}],
     "年度资金总额 · 全年执行数 应为 1190.00（= 1120.00 + 40.00 + 30.00），"
     "或更正 当年财政拨款 · 全年执行数/上年结转资金 · 全年执行数/其他资金 · 全年执行数"),
    ("A206", "project_selfeval", [{"set": "/funds/total/executed", "value": 1077.5},
                                  {"set": "/funds/fiscal_current/executed", "value": 997.5},
                                  {"set": "/funds/execution_rate", "value": 90}],
     "执行率应为 86.20%（= 1077.50 ÷ 1250.00），或更正全年执行数、全年预算数"),
    ("S404", "project_selfeval", [{"set": "/indicators/0/target", "value": 30000},
                                  {"set": "/indicators/0/actual", "value": 20000},
                                  {"set": "/indicators/0/score", "value": 12}], "得分应为 13.33"),
    ("S405", "project_selfeval", [{"set": "/funds/score", "value": 10}], "得分应为 9.60（执行率 96.00% × 分值 10）"),
    ("S406", "project_selfeval", [{"set": "/total_score", "value": 90}], "总分应为 98.60（= 预算执行率得分 9.6 + 指标得分 89）"),
    ("S407", "project_selfeval", [{"set": "/total_score", "value": 86.5}, {"set": "/grade", "value": "优"}],
     "总分 86.5 对应等级 良"),
])
def test_the_expected_value_is_in_the_advice(tmp_path, code, kind, patch, expected):
    found = _advice_for(tmp_path, kind, patch, code)
    assert len(found) == 1, found
    assert found[0] == expected


def test_in_a_workbook_the_advice_names_cells(tmp_path):
    doc = apply_patch(base_document("project_target"), [{"set": "/funds/annual/other", "value": 40}])
    path = save([project_target(doc)], tmp_path / "target.xlsx")
    result = check_paths([str(path)])[0]
    (f,) = [f for f in result.all_findings() if f.code == "A201"]
    text = advice(CATALOGUE.rules["A201"], "zh", f)
    assert re.fullmatch(rf"{f.location.cell} 应为 1290\.00（= 1250\.00 \+ 40\.00），或更正 [A-Z]+\d+/[A-Z]+\d+", text), text


def test_the_english_advice_is_english(tmp_path):
    found = _advice_for(tmp_path, "project_selfeval", [{"set": "/funds/other/executed", "value": 30}], "A204", "en")
    assert found and found[0].startswith("total · executed should be 1190.00"), found
    assert not re.search(r"[\u4e00-\u9fff]", found[0]), found


def test_every_rule_has_advice_in_both_languages_with_the_same_values():
    for code, meta in CATALOGUE.rules.items():
        assert meta.advice.get("zh") and meta.advice.get("en"), code
        assert re.search(r"[\u4e00-\u9fff]", meta.advice["zh"]), code
        assert re.search(r"[A-Za-z]{3}", meta.advice["en"]) and meta.advice["en"] != meta.advice["zh"], code
        names = {n for _, n, _, _ in string.Formatter().parse(meta.advice["zh"]) if n}
        assert names == {n for _, n, _, _ in string.Formatter().parse(meta.advice["en"]) if n}, code


def test_advice_without_both_languages_fails_to_load(tmp_path):
    from perflint.catalogue import load_catalogue
    from perflint.data import DataError

    for p in (ROOT / "rules").glob("*.toml"):
        (tmp_path / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "A.toml"
    text = broken.read_text(encoding="utf-8")
    start = text.index("[A202]")
    line_start = text.index("advice = ", start)
    line_end = text.index("\n", line_start)
    broken.write_text(text[:line_start] + 'advice = { zh = "只有中文" }' + text[line_end:], encoding="utf-8")
    with pytest.raises(DataError, match="A202.advice"):
        load_catalogue(tmp_path)


JARGON = re.compile(r"seed|种子|依据：perflint|perflint：", re.IGNORECASE)


def test_no_internal_jargon_in_any_user_facing_rule_text():
    for code, meta in CATALOGUE.rules.items():
        texts = [meta.source, *meta.summary.values(), *meta.rationale.values(), *meta.message.values(),
                 *meta.advice.values(), *meta.example.values()]
        texts += [t for v in meta.variants.values() for t in v.values()]
        for text in texts:
            assert not JARGON.search(text), (code, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_perflint_rule_shows_the_advice_and_the_policy_basis(lang, capsys):
    from perflint.explain import explain_rule

    for code, meta in CATALOGUE.rules.items():
        assert explain_rule(code, lang)
        out = capsys.readouterr().out
        basis = "政策依据：" if lang == "zh" else "Policy basis: "
        assert f"{basis}{meta.source}\n" in out, code
        assert ("整改建议：" if lang == "zh" else "What to do: ") + meta.advice[lang] in out, code
        assert not JARGON.search(out), (code, out)


def test_no_internal_jargon_in_the_rule_pages_readme_or_expected_outputs():
    texts = {p: p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "rules").glob("*.md")}
    texts.update({p: p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "snapshots").glob("*")})
    texts[ROOT / "README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(texts) > len(CATALOGUE.rules)
    for path, text in texts.items():
        assert not JARGON.search(text), (path, JARGON.search(text))
    for code, meta in CATALOGUE.rules.items():  # each page gives the rule's advice and its basis
        page = texts[ROOT / "docs" / "rules" / f"{code}.md"]
        assert meta.source in page and "## 整改建议 What to do" in page, code


def test_no_internal_jargon_in_the_findings_of_the_samples():
    from perflint.formatters.labels import finding_message

    results = check_paths([str(ROOT / "samples")])
    assert sum(1 for r in results for _ in r.all_findings()) > 50
    for lang in ("zh", "en"):
        for result in check_paths([str(ROOT / "samples")], lang=lang) if lang == "en" else results:
            for f in result.all_findings():
                for text in (finding_message(f, lang), advice(CATALOGUE.rules.get(f.code), lang, f)):
                    assert not JARGON.search(text), (result.path, f.code, text)
