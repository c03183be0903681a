"""Every rule fixture: the exact (code, location) pairs of the fixture's code(s)."""
from __future__ import annotations

import json

import pytest

from fixturelib import FIXTURES, SIMULATIONS, all_fixtures, location_key, write_input
from perflint import checks
from perflint.api import check_paths
from perflint.catalogue import default_catalogue
from perflint.checks import load_rules

CASES = all_fixtures()


@pytest.mark.parametrize("fixture", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture(fixture, tmp_path, monkeypatch):
    spec = json.loads(fixture.read_text(encoding="utf-8"))
    if spec.get("inject_crash"):
        # the engine's own F006 path, driven by a rule that really raises
        def broken(doc, ctx):
            raise ZeroDivisionError("injected")
        load_rules(default_catalogue())
        monkeypatch.setitem(checks._REGISTRY, spec["inject_crash"], broken)
    code = fixture.parent.name
    codes = {code, *spec.get("codes", [])}
    target = write_input(spec, tmp_path)
    history = []
    if spec.get("history"):
        folder = tmp_path / "history"
        folder.mkdir()
        for i, hspec in enumerate(spec["history"]):
            write_input(hspec, folder, f"h{i}")
        history = [str(folder)]
    registry = []
    if spec.get("registry"):
        path = tmp_path / "registry.csv"
        path.write_text(spec["registry"], encoding="utf-8")
        registry = [str(path)]
    if "batch" in spec:
        results = _through_batch(spec, target)
    else:
        results = check_paths([str(target)], profile=spec.get("profile", "national"),
                              parameters=spec.get("parameters"), history=history, registry=registry)
    found = sorted([f.code, location_key(f.to_json())] for r in results for f in r.all_findings() if f.code in codes)
    expected = sorted([list(e) for e in spec["expect"]])
    if fixture.stem.startswith("pass"):
        assert expected == [], f"{fixture}: a pass_ fixture expects no findings"
    else:
        assert expected, f"{fixture}: a fail_ fixture must expect at least one finding"
    assert found == expected, f"{fixture.relative_to(FIXTURES)}: {spec.get('description', '')}"


def _through_batch(spec, target):
    from batchlib import check_files

    opts = spec["batch"]
    jobs = opts.get("jobs", 1)
    simulate = SIMULATIONS[opts["simulate"]] if opts.get("simulate") else None
    return check_files([str(target)], jobs=jobs, timeout=opts.get("timeout"), check=simulate, pool=jobs > 1)


@pytest.mark.parametrize("kind", ["project_target", "dept_target", "project_selfeval", "dept_selfeval"])
def test_base_documents_are_clean(kind, tmp_path):
    """The bases fixtures patch are clean: every finding a fixture sees comes from its patch."""
    target = write_input({"base": kind}, tmp_path)
    results = check_paths([str(target)])
    findings = [(f.code, f.location.pointer, f.message) for r in results for f in r.all_findings()]
    # alone, with no history configured, what could not be verified is the run's note, not a finding
    assert findings == []
    assert results[0].verdict == "pass"
