"""Published forms, transcribed cell by cell (tests/corpus/), read through perflint's API: each
must give exactly its expected verdict and (code, location) pairs of errors and warnings.

A form today's reader still misreads carries `xfail` (a strict mark: when the reader learns to
read it, the test fails until the mark is removed). The share read exactly is printed at the end
of the run."""
from __future__ import annotations

from collections import Counter

import pytest

from corpuslib import RESULTS, all_forms, diff, seen, write
from perflint.api import check_paths

FORMS = all_forms()
CASES = [pytest.param(form, fmt, id=f"{form.name}.{fmt}",
                      marks=[pytest.mark.xfail(strict=True, reason=form.xfail)] if form.xfail else [])
         for form in FORMS for fmt in form.formats]


@pytest.mark.parametrize("form, fmt", CASES)
def test_corpus_form(form, fmt, tmp_path, request):
    path = write(form, tmp_path, fmt)
    (result,) = check_paths([str(path)])
    kinds = [d.kind for d in result.documents]
    problem = diff(form, result.verdict, kinds, seen(result.all_findings()))
    request.config.stash.setdefault(RESULTS, {})[(form.name, fmt)] = not problem
    assert not problem, "\n" + problem


def test_corpus_covers_the_provinces_and_kinds():
    kinds = Counter(form.kind for form in FORMS)
    provinces = {form.source["province"] for form in FORMS}
    assert set(kinds) >= REQUIRED_KINDS, kinds
    assert all(kinds[kind] >= least for kind, least in MIN_PER_KIND.items()), kinds
    assert len({f.name.split("_", 1)[0] for f in FORMS}) == len(FORMS), "two forms share a number"
    # the measures need clean forms (no error expected) as well as returned ones
    clean = sum(f.verdict == "pass" for f in FORMS)
    assert clean >= MIN_CLEAN and any(f.verdict == "return" for f in FORMS), clean
    assert len(provinces) >= MIN_PROVINCES and len(FORMS) >= MIN_FORMS, (len(provinces), len(FORMS))


@pytest.mark.parametrize("form", [f for f in FORMS if "blank-required-amount" in f.tags], ids=lambda f: f.name)
def test_blank_required_amount_is_expected_returned(form):
    """A blank required amount is an error at its cell: such a form can never be expected to pass."""
    assert form.verdict == "return"
    assert any(code == "F003" and ("!" in location or location.startswith("/funds"))
               for code, location in form.findings)


BLANK_TEMPLATES = [f for f in FORMS if "blank-template" in f.tags]


@pytest.mark.parametrize("form", BLANK_TEMPLATES, ids=lambda f: f.name)
def test_blank_template_is_expected_returned(form):
    """A published template sent back unfilled must be returned: its blank required amounts are errors
    at their cells, and it names no indicator."""
    assert form.verdict == "return"
    assert "blank-required-amount" in form.tags
    codes = {code for code, _ in form.findings}
    assert {"F003", "I301"} <= codes, codes


@pytest.mark.parametrize("form", BLANK_TEMPLATES, ids=lambda f: f.name)
def test_blank_template_is_returned(form, tmp_path):
    """Whatever else today's reader makes of a blank template, it never passes."""
    (result,) = check_paths([str(write(form, tmp_path, form.formats[0]))])
    assert result.verdict == "return", [(f.code, f.location) for f in result.all_findings()]


def test_corpus_holds_blank_templates():
    assert len(BLANK_TEMPLATES) >= MIN_BLANK_TEMPLATES, [f.name for f in BLANK_TEMPLATES]


# what the corpus holds at least (raised as forms are added)
MIN_FORMS, MIN_PROVINCES, MIN_CLEAN, MIN_BLANK_TEMPLATES = 32, 15, 1, 2
MIN_PER_KIND = {"project_target": 15, "project_selfeval": 10, "dept_target": 3, "dept_selfeval": 4}
REQUIRED_KINDS = set(MIN_PER_KIND)
