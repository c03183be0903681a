"""The history index: sources, matching, the on-disk cache, the registry table and the H500 contract."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from fixturelib import apply_patch, base_document
from perflint.api import check_paths
from perflint.data import DataError
from perflint.files import expand_sources
from perflint.history import build_history
from perflint.history.registry import read_registry

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
H_CODES = [f"H50{i}" for i in range(9)]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))


def write(folder: Path, name: str, doc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def findings(results, code=None):
    return [f for r in results for f in r.all_findings() if code is None or f.code == code]


# ---- the cache --------------------------------------------------------------------------------------
def test_cache_reuses_records_and_rereads_a_changed_file(tmp_path):
    archive = tmp_path / "archive"
    selfeval = write(archive, "a.json", base_document("project_selfeval"))
    write(archive, "b.json", apply_patch(base_document("project_target"), [{"set": "/fiscal_year", "value": 2024}]))
    first = build_history([str(archive)])
    assert (first.cache_hits, first.cache_misses) == (0, 2)
    second = build_history([str(archive)])
    assert (second.cache_hits, second.cache_misses) == (2, 0)
    assert first.fingerprint == second.fingerprint

    doc = base_document("project_selfeval")
    doc["funds"]["execution_rate"] = 70.0
    selfeval.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    os.utime(selfeval, ns=(os.stat(selfeval).st_atime_ns, os.stat(selfeval).st_mtime_ns + 10_000_000))
    third = build_history([str(archive)])
    assert (third.cache_hits, third.cache_misses) == (1, 1)
    assert third.fingerprint != second.fingerprint
    assert [r.execution_rate for r in third.records if r.kind == "project_selfeval"] == [70.0]


def test_a_deleted_history_file_is_gone_from_the_index(tmp_path):
    archive = tmp_path / "archive"
    write(archive, "a.json", base_document("project_selfeval"))
    gone = write(archive, "b.json", base_document("dept_selfeval"))
    assert len(build_history([str(archive)])) == 2
    gone.unlink()
    index = build_history([str(archive)])
    assert [r.kind for r in index.records] == ["project_selfeval"]


def test_the_index_pickles_for_worker_processes(tmp_path):
    write(tmp_path / "h", "a.json", base_document("project_selfeval"))
    index = build_history([str(tmp_path / "h")])
    copy = pickle.loads(pickle.dumps(index))
    me = copy.record_of(apply_patch_doc("project_target"))
    found, by_name = copy.match("project_selfeval", 2024, me)
    assert len(found) == 1 and by_name  # codes differ between years; department + name match


def apply_patch_doc(kind: str):
    from perflint.model import Document

    return Document.build(kind, base_document(kind), path="x.json")


# ---- sources ----------------------------------------------------------------------------------------
def test_sources_are_folders_files_and_globs(tmp_path):
    a = write(tmp_path / "h" / "2024", "a.json", base_document("project_selfeval"))
    b = write(tmp_path / "h" / "2023", "b.json", base_document("dept_selfeval"))
    assert expand_sources([str(tmp_path / "h")]) == sorted([str(b), str(a)])
    assert expand_sources([str(a)]) == [str(a)]
    assert expand_sources([str(tmp_path / "h" / "**" / "*.json")]) == sorted([str(b), str(a)])
    with pytest.raises(DataError, match="no such file"):
        expand_sources([str(tmp_path / "nowhere")])


def test_the_same_file_as_run_file_and_history_is_one_document(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    results = check_paths([str(target)], history=[str(tmp_path / "r")])
    assert findings(results, "H505") == []


def test_a_file_reached_through_symlinks_is_one_document(tmp_path):
    """Run files through a linked folder or a linked file are the history's file, not its duplicate."""
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    other = apply_patch(base_document("project_target"), [{"set": "/project/code", "value": "511703259999"},
                                                          {"set": "/project/name", "value": "另一个项目"}])
    write(tmp_path / "r", "other.json", other)
    (tmp_path / "linked").symlink_to(tmp_path / "r", target_is_directory=True)
    (tmp_path / "alias.json").symlink_to(target)
    for run_file in (tmp_path / "linked" / "t.json", tmp_path / "alias.json"):
        results = check_paths([str(run_file), str(tmp_path / "linked" / "other.json")], history=[str(tmp_path / "r")])
        assert len(results) == 2 and findings(results, "H505") == []
    # the same documents as two copies are duplicates: the check above is not vacuous
    write(tmp_path / "copy", "t.json", base_document("project_target"))
    results = check_paths([str(tmp_path / "copy" / "t.json"), str(tmp_path / "linked" / "other.json")],
                          history=[str(tmp_path / "r")])
    assert [f.code for f in findings(results, "H505")] == ["H505"]


def test_files_are_known_by_their_real_paths_however_reached(tmp_path, monkeypatch):
    """The record cache keys on the real path: folders resolved once per batch give what realpath gives."""
    from perflint.history import RecordCache, _stat_files

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.json").write_text("{}", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "alias.json").symlink_to(tmp_path / "a" / "b" / "f.json")
    (tmp_path / "a" / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    monkeypatch.chdir(tmp_path)
    paths = ["link/b/f.json", "a/alias.json", "a/b/../b/f.json", str(tmp_path / "link" / "b" / "f.json"), "a/b/.",
             "a/dangling.json", "missing.json"]
    stated = _stat_files(paths, RecordCache("test", False))
    assert [real for _, real, _, _ in stated] == [os.path.realpath(p) for p in paths]
    assert [stat is not None for _, _, stat, _ in stated] == [True] * 5 + [False] * 2
    assert stated[1][2][0].st_ino == stated[0][2][0].st_ino  # the linked file's own stat, not the link's


def test_run_documents_are_a_source_without_any_history(tmp_path):
    """A self-evaluation and its target sheet in one batch are compared with no --history at all."""
    selfeval = base_document("project_selfeval")
    target = apply_patch(base_document("project_target"), [
        {"set": "/fiscal_year", "value": 2024}, {"set": "/project/code", "value": "511703240012"},
        {"set": "/funds/annual", "value": {"total": 1250.0, "fiscal": 1200.0, "other": 50.0}}])
    write(tmp_path / "batch", "se.json", selfeval)
    write(tmp_path / "batch", "t.json", target)
    results = check_paths([str(tmp_path / "batch")])
    h504 = findings(results, "H504")
    assert [(f.location.pointer, f.related[0].path) for f in h504] == [
        ("/funds/total/initial", str(tmp_path / "batch" / "t.json"))]
    # the batch answered H503/H504; what it could not answer (the 2023 self-evaluation) is still said,
    # as a note for the run, not as a finding
    assert not findings(results, "H500")
    unverified = {code for r in results for d in r.documents for code, _, _ in d.unverified}
    assert unverified and not unverified & {"H503", "H504"}


# ---- H500 ----------------------------------------------------------------------------------------------
def test_no_history_configured_says_once_what_it_cannot_see(tmp_path):
    target = write(tmp_path, "t.json", base_document("project_target"))
    results = check_paths([str(target)])
    assert [f for f in findings(results) if f.code.startswith("H")] == []  # no H500 on the document
    assert results[0].verdict == "pass" and results[0].documents[0].grade == "优"
    assert results[0].documents[0].unverified == (("H501", "missing-prior-selfeval", (2024,)),
                                                  ("H506", "poor-prior-result", (2024,)),
                                                  ("H507", "prior-low-execution", (2024,)))


@pytest.mark.parametrize("history", [False, True], ids=["no-history", "history"])
def test_a_year_out_of_range_asks_no_history_for_its_neighbours(tmp_path, history):
    """2205 for 2025 is B105's error; the years next to it (2204) are nothing to look up or to report."""
    typo = write(tmp_path, "t.json", apply_patch(base_document("project_target"), [{"set": "/fiscal_year", "value": 2205}]))
    archive = tmp_path / "archive"
    archive.mkdir()
    write(archive, "old.json", base_document("project_selfeval"))
    results = check_paths([str(typo)], history=[str(archive)] if history else [])
    doc = results[0].documents[0]
    assert "B105" in {f.code for f in doc.findings}
    assert doc.unverified == ()
    assert [f for f in doc.findings if f.code == "H500"] == []


def _cli(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perflint", "check", *args, "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)})


def test_no_history_the_run_names_the_unverified_rules_once(tmp_path):
    write(tmp_path / "r", "a.json", base_document("project_target"))
    write(tmp_path / "r", "b.json", apply_patch(base_document("project_target"), [
        {"set": "/project/code", "value": "511703250099"}, {"set": "/project/name", "value": "另一个项目"}]))
    write(tmp_path / "r", "se.json", base_document("project_selfeval"))
    out = _cli(["r", "--format", "json", "--fail-on", "warning"], tmp_path)
    assert out.returncode == 0, out.stderr  # nothing to warn about: the unverified rules are no warning
    report = json.loads(out.stdout)
    assert not [f for file in report["files"] for d in file["documents"] for f in d["findings"] if f["code"] == "H500"]
    assert "H500" not in report["summary"]["by_rule"] and not report["summary"]["by_severity"].get("warning")
    unverified = {u["code"]: u for u in report["summary"]["unverified"]}
    # a.json's 2024 self-evaluation is in the run (H501, H506, H507 answered); b.json's is nowhere
    # (H506, H507 need none then); the self-evaluation's approved targets are nowhere (H503, H504)
    assert sorted(unverified) == ["H501", "H503", "H504"]
    assert unverified["H501"]["documents"] == 1 and unverified["H501"]["years"] == [2024]
    assert unverified["H503"] == {"code": "H503", "slug": "indicators-differ-from-targets", "documents": 1,
                                  "years": [2024], "reason": "no-history-source",
                                  "message": unverified["H503"]["message"]}
    assert "未配置历史来源" in unverified["H503"]["message"]
    text = _cli(["r", "--format", "text"], tmp_path).stdout.splitlines()
    named = [line for line in text if line.startswith("未核验")]
    assert len(named) == 1 and "未核验 H501、H503、H504：" in named[0]
    assert text[-1].startswith("汇总：文件 3（通过 3，退回 0），文档 3（通过 3，退回 0）")
    en = _cli(["r", "--format", "text", "--lang", "en"], tmp_path).stdout
    assert "Not verified H501, H503, H504: no history source is configured" in en


def test_a_configured_history_keeps_h500_per_document_and_no_run_note(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    write(tmp_path / "h", "x.json", base_document("dept_target"))
    out = _cli([str(target), "--history", str(tmp_path / "h"), "--format", "json"], tmp_path)
    report = json.loads(out.stdout)
    assert report["summary"]["unverified"] == [] and report["summary"]["by_rule"]["H500"] == 3


def test_run_duplicates_are_found_without_any_history(tmp_path):
    """The run's own files still answer what they can: H505 is no unverified rule."""
    write(tmp_path / "r", "a.json", base_document("project_target"))
    write(tmp_path / "r", "b.json", base_document("project_target"))
    results = check_paths([str(tmp_path / "r")])
    assert len(findings(results, "H505")) == 2 and not findings(results, "H500")
    assert all(code != "H505" for r in results for d in r.documents for code, _, _ in d.unverified)


def test_h500_says_which_rule_and_year_could_not_be_verified(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    write(tmp_path / "h", "old.json", apply_patch(base_document("project_selfeval"), [{"set": "/fiscal_year", "value": 2023}]))
    h500 = findings(check_paths([str(target)], history=[str(tmp_path / "h")]), "H500")
    assert sorted(f.args["rule"] for f in h500) == ["H501", "H506", "H507"]
    assert all(f.args["year"] == 2024 and "2024" in f.message for f in h500)
    assert all(f.related and f.related[0].path == str(tmp_path / "h") for f in h500)  # where it looked
    assert not findings(check_paths([str(target)], history=[str(tmp_path / "h")], ignore=["H500"]), "H501")


def test_h500_in_english(tmp_path):
    target = write(tmp_path / "r", "se.json", base_document("project_selfeval"))
    write(tmp_path / "h", "x.json", base_document("dept_target"))
    h500 = findings(check_paths([str(target)], history=[str(tmp_path / "h")], lang="en"), "H500")
    assert {f.args["rule"] for f in h500} == {"H503", "H504"}
    assert all(f.message.startswith("Cannot verify H50") and "target sheet" in f.message for f in h500)


# ---- matching by name ------------------------------------------------------------------------------------
def test_a_finding_matched_by_name_says_so(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    prior = apply_patch(base_document("project_selfeval"), [{"set": "/funds/execution_rate", "value": 70.0},
                                                            {"set": "/project/name", "value": " 2024年度义务教育学生营养改善计划 "}])
    write(tmp_path / "h", "se.json", prior)
    (f,) = findings(check_paths([str(target)], history=[str(tmp_path / "h")]), "H507")
    assert "按部门和项目名称匹配" in f.message
    assert f.related[0].note.endswith("按部门和项目名称匹配") and f.related[0].pointer == "/funds/execution_rate"
    (en,) = findings(check_paths([str(target)], history=[str(tmp_path / "h")], lang="en"), "H507")
    assert "matched by department and project name" in en.message


def test_matched_by_code_says_nothing_about_names(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    prior = apply_patch(base_document("project_selfeval"), [{"set": "/funds/execution_rate", "value": 70.0},
                                                            {"set": "/project/code", "value": "511703250012"},
                                                            {"set": "/project/name", "value": "改了名字的项目"}])
    write(tmp_path / "h", "se.json", prior)
    (f,) = findings(check_paths([str(target)], history=[str(tmp_path / "h")]), "H507")
    assert "名称" not in f.message and not f.related[0].note


# ---- the registry table --------------------------------------------------------------------------------
def test_registry_csv_columns_kinds_and_rates(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("\ufeff年度,项目编码,表类型,总分,等级,执行率,备注\n"
                    "2024,511703250012,项目支出绩效自评表,72,,80%,\n"
                    "2024,511703101,部门整体支出绩效自评表,91.5,优,0.97,\n\n", encoding="utf-8")
    rows = read_registry(str(path))
    assert [(r.kind, r.year, r.code, r.grade, r.execution_rate, r.row) for r in rows] == [
        ("project_selfeval", 2024, "511703250012", "中", 80.0, 2),
        ("dept_selfeval", 2024, "511703101", "优", 97.0, 3)]


def test_registry_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "导出"
    ws.append(["项目编码", "年度", "表类型", "总分", "等级", "执行率"])
    ws.append([511703250012, 2024, "project_selfeval", 58, "差", 0.9])
    wb.save(tmp_path / "reg.xlsx")
    (rec,) = read_registry(str(tmp_path / "reg.xlsx"))
    assert (rec.code, rec.year, rec.grade, rec.execution_rate, rec.sheet) == ("511703250012", 2024, "差", 90.0, "导出")
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    (f,) = findings(check_paths([str(target)], registry=[str(tmp_path / "reg.xlsx")]), "H506")
    assert (f.related[0].path, f.related[0].sheet, f.related[0].cell) == (str(tmp_path / "reg.xlsx"), "导出", "A2")


@pytest.mark.parametrize("text, key", [
    ("项目编码,年度\n1,2024\n", "第1行"),
    ("项目编码,年度,表类型\n1,二〇二四,自评表\n", "第2行 年度"),
    ("项目编码,年度,表类型\n1,2024,预算表\n", "第2行 表类型"),
    ("项目编码,年度,表类型,执行率\n1,2024,自评表,很高\n", "第2行 执行率"),
])
def test_a_broken_registry_names_file_row_and_column(tmp_path, text, key):
    path = tmp_path / "reg.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_registry(str(path))
    assert err.value.source == str(path) and err.value.key == key


def test_a_broken_registry_is_exit_2_not_a_traceback(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("编码\n1\n", encoding="utf-8")
    target = write(tmp_path, "t.json", base_document("project_target"))
    out = subprocess.run([sys.executable, "-m", "perflint", "check", str(target), "--registry", str(path)],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert out.returncode == 2 and "Traceback" not in out.stderr and "reg.csv" in out.stderr


# ---- the samples ---------------------------------------------------------------------------------------
def test_samples_show_each_h_rule_firing_and_passing():
    results = check_paths([str(SAMPLES / "returns")], history=[str(SAMPLES / "archive")])
    from perflint.catalogue import default_catalogue

    cat = default_catalogue()
    for code in H_CODES:
        kinds = cat[code].kinds
        docs = [(r.path, d) for r in results for d in r.documents if d.kind in kinds]
        firing = [p for p, d in docs if any(f.code == code for f in d.findings)]
        quiet = [p for p, d in docs if not any(f.code == code for f in d.findings)]
        assert firing, f"{code} fires on no sample"
        assert quiet, f"{code} fires on every sample of its kinds"
    for f in findings(results):
        if f.code.startswith("H") and f.code != "H502":
            assert f.related, f"{f.code} names the document it was compared with"


def test_one_file_check_with_history_does_not_load_pandas():
    probe = ("import os, sys, runpy; os._exit = sys.exit; sys.argv=['perflint','check','samples/returns/2025_中小学教师培训_项目目标表.json',"
             "'--history','samples/archive','--format','json'];\n"
             "try:\n runpy.run_module('perflint', run_name='__main__')\n"
             "except SystemExit: pass\n"
             "print('HEAVY', sorted(m for m in ('pandas','pandera','openpyxl') if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "CI": "1"})
    assert "HEAVY []" in out.stderr, out.stderr
    # the archive alone lacks this project's 2024 self-evaluation (it came in with the returns)
    assert json.loads(out.stdout)["summary"]["by_rule"] == {"H501": 1}


def test_selecting_no_h_rule_builds_no_index():
    from perflint.run import Run, RunSettings, open_batch

    run = Run.load(RunSettings(paths=[], select=["A"]))
    assert open_batch(run, []).plan.history is None
    assert open_batch(run, [], ledger=True).plan.history is not None


def test_h500_leaves_out_the_rules_the_run_ignores(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    write(tmp_path / "h", "old.json", apply_patch(base_document("project_selfeval"), [{"set": "/fiscal_year", "value": 2023}]))
    h500 = findings(check_paths([str(target)], history=[str(tmp_path / "h")], ignore=["H506", "H507"]), "H500")
    assert [f.args["rule"] for f in h500] == ["H501"]


def test_parallel_workers_give_the_same_h_findings(tmp_path):
    def run(*jobs: str) -> dict:
        out = subprocess.run([sys.executable, "-m", "perflint", "check", "samples/returns", "--history", "samples/archive",
                              "--format", "json", "--no-cache", *jobs], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "CI": "1"})
        assert "Traceback" not in out.stderr, out.stderr
        return json.loads(out.stdout)

    serial, parallel = run(), run("-j", "2")
    assert serial["files"] == parallel["files"]
    assert {c for c in serial["summary"]["by_rule"] if c.startswith("H")} == set(H_CODES)


def test_every_assessment_is_a_cross_document_rule_of_the_catalogue():
    from perflint.catalogue import default_catalogue
    from perflint.checks.history import ASSESSMENTS

    cat = default_catalogue()
    assert set(ASSESSMENTS) | {"H500"} == set(cat.cross_codes())
    assert all(cat[code].phase == "document" for code in cat.rules if code not in cat.cross_codes())


def test_history_from_the_config_is_relative_to_it(tmp_path):
    repo = tmp_path / "repo"
    write(repo / "archive", "se.json", apply_patch(base_document("project_selfeval"),
                                                     [{"set": "/funds/execution_rate", "value": 60.0}]))
    target = write(repo / "returns", "t.json", base_document("project_target"))
    (repo / "perflint.toml").write_text('history = ["archive"]\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "perflint", "check", str(target), "--format", "json"],
                         cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert "Traceback" not in out.stderr, out.stderr
    assert json.loads(out.stdout)["summary"]["by_rule"] == {"H507": 1}


def test_an_unreadable_history_file_is_named_where_a_document_is_missing(tmp_path):
    target = write(tmp_path / "r", "t.json", base_document("project_target"))
    other = apply_patch(base_document("project_selfeval"), [{"set": "/project/code", "value": "511703240099"},
                                                            {"set": "/project/name", "value": "校舍维修改造"}])
    write(tmp_path / "h", "other.json", other)
    (tmp_path / "h" / "broken.json").write_text("{", encoding="utf-8")
    for _ in range(2):  # the second run answers from the cache, with the same result
        (f,) = findings(check_paths([str(target)], history=[str(tmp_path / "h")]), "H501")
        assert [(r.path, r.note) for r in f.related] == [
            (str(tmp_path / "h"), "已查找"), (str(tmp_path / "h" / "broken.json"), "无法读取（F001），未纳入核对")]
