"""Meta-tests over the rule catalogue: codes, texts, implementations, fixtures, profiles."""
from __future__ import annotations

import re

import pytest

from fixturelib import FIXTURES
from perflint.catalogue import CODE_RE, default_catalogue, load_catalogue
from perflint.checks import load_rules
from perflint.data import DataError, data_dir
from perflint.messages import render
from perflint.profiles import builtin_profiles, load_profile

CAT = default_catalogue()
CODES = sorted(CAT.rules)


def test_codes_are_well_formed_and_unique():
    assert CODES and all(CODE_RE.match(c) for c in CODES)
    assert len({m.slug for m in CAT.rules.values()}) == len(CODES)


@pytest.mark.parametrize("code", CODES)
def test_rule_has_docs_in_both_languages(code):
    meta = CAT[code]
    for table in (meta.summary, meta.message, *meta.variants.values()):
        assert table["zh"].strip() and table["en"].strip()
        assert re.search(r"[\u4e00-\u9fff]", table["zh"]), "the zh text is Chinese"
    assert meta.source.strip(), "every rule names its policy source"
    placeholders = set(re.findall(r"{(\w+)", meta.message["zh"]))
    assert placeholders == set(re.findall(r"{(\w+)", meta.message["en"])), "zh and en use the same values"


@pytest.mark.parametrize("code", CODES)
def test_rule_has_firing_and_passing_fixture(code):
    folder = FIXTURES / code
    assert any(folder.glob("fail*.json")), f"{code} needs a firing fixture in {folder}"
    assert any(folder.glob("pass*.json")), f"{code} needs a non-firing fixture in {folder}"


def test_every_catalogue_rule_is_implemented_and_nothing_else():
    rules = load_rules(CAT)
    assert set(rules) == {c for c, m in CAT.rules.items() if m.origin == "rule"}


@pytest.mark.parametrize("name", builtin_profiles())
def test_builtin_profiles_load(name):
    profile = load_profile(name, CAT)
    assert profile.tree and set(profile.parameters) == set(CAT.parameters)


def test_required_profiles_exist():
    assert {"national", "national-2015", "national-2021"} <= set(builtin_profiles())
    assert len(builtin_profiles()) >= 4, "at least one local profile"


def test_broken_catalogue_names_file_and_key(tmp_path):
    src = data_dir("rules")
    for f in src.glob("*.toml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "A.toml"
    broken.write_text(broken.read_text(encoding="utf-8").replace('severity = "error"', 'severity = "fatal"', 1), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_catalogue(tmp_path)
    assert "A.toml" in str(err.value) and ".severity" in str(err.value)


def test_duplicate_code_is_refused(tmp_path):
    src = data_dir("rules")
    for f in src.glob("*.toml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "B.toml").write_text((tmp_path / "A.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DataError):
        load_catalogue(tmp_path)


def test_profile_errors_name_file_and_key(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('extends = "national"\n[parameters]\nlow_execution_rate = "high"\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_profile(str(bad), CAT)
    assert "mine.toml" in str(err.value) and "parameters.low_execution_rate" in str(err.value)
    bad.write_text('extends = "national"\nsurprise = 1\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_profile(str(bad), CAT)
    assert "surprise" in str(err.value)


def test_user_profile_extends_builtin(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "national"\nname = "mine"\n[parameters]\nlow_execution_rate = 90.0\n', encoding="utf-8")
    profile = load_profile(str(mine), CAT)
    assert profile.name == "mine" and profile.parameters["low_execution_rate"] == 90.0
    assert profile.tree == load_profile("national", CAT).tree


def test_messages_render_amounts_as_officers_write_them():
    assert render("{x:wan}", {"x": 1300}, "zh") == "1300.00 万元"
    assert render("{x:amt}", {"x": 1234567.891}, "zh") == "1234567.89"
    assert render("{x:pct}", {"x": 96.5}, "zh") == "96.50%"


def test_every_template_renders_as_string_formatter_renders_it():
    """`render` answers plain fields from a parsed template; it must say exactly what the full
    string.Formatter says, for every message of the catalogue, with and without its values."""
    from perflint.messages import _FORMATTERS

    values = [1300, 96.5, 0, None, "示例区教育局", ["A201", "A202"], True]
    checked = 0
    for meta in CAT.rules.values():
        tables = [meta.message, *meta.variants.values()]
        for table in tables:
            for lang, template in table.items():
                names = [n for _, n, _, _ in _FORMATTERS[lang].parse(template) if n]
                for i, value in enumerate(values):
                    args = {n: value for n in names[i % 2::2] or names}  # some fields left unset too
                    assert render(template, args, lang) == _FORMATTERS[lang].vformat(template, (), args), template
                    checked += 1
    assert checked > 500
    assert render("{x!r} {{x}}", {"x": "a"}) == "'a' {x}"  # what the fast path leaves to the formatter


def test_readme_rule_table_is_the_catalogue():
    """The README's table is generated from the catalogue; regenerate with `perflint rules --format markdown`."""
    from perflint.explain import markdown_table

    readme = (data_dir("rules").parent / "README.md")
    if not readme.exists():  # an installed copy has no README beside its data
        pytest.skip("README.md not beside the package")
    text = readme.read_text(encoding="utf-8")
    block = text.split("<!-- rules:begin -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert block == markdown_table("zh")


def test_summaries_speak_of_values_not_parameter_names():
    """A summary is read by departments (the 审核意见 workbook, the HTML page): it names a threshold by its
    default value, never by the parameter a profile sets it with (`perflint rule CODE` lists those)."""
    names = set(CAT.parameters)
    assert "low_execution_rate" in names
    for code, meta in CAT.rules.items():
        for lang, text in meta.summary.items():
            assert not [n for n in names if n in text], (code, lang, text)
