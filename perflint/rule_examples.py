"""`perflint profile test PROFILE`: every example of a profile's own rules, checked as a submission.

An example is a partial document over the clean base of its kind (rules/bases/<kind>.json). It is
written to a file and checked as `perflint check --profile PROFILE` would check it, so the reader's
normalising applies; only the findings of the example's own rule count. A `fail` example must give
at least one (or exactly the `expect` pointers), a `pass` example none. The base is schema-valid
and clean, so an example that makes it invalid is reported: the rule would be tested on a document
no reader produces.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from .formatters.safe import one_line


@dataclass(frozen=True)
class Outcome:
    code: str
    slug: str
    file: str
    number: int  # the example's place among its rule's examples, from 1
    expect_fail: bool
    kind: str
    note: str
    found: tuple[tuple[str, str], ...]  # (display location, message) of the rule's findings
    problem: str  # "" when the example behaves

    @property
    def ok(self) -> bool:
        return not self.problem


def run_examples(profile_ref: str, lang: str = "zh") -> tuple[Any, list[Outcome]]:
    from .catalogue import default_catalogue
    from .config import Config
    from .profiles import load_profile
    from .run import Run, RunSettings
    from .schema import validate
    from .userrules import ExampleError, example_document

    catalogue = default_catalogue()
    profile = load_profile(profile_ref, catalogue)
    outcomes: list[Outcome] = []
    if not profile.rules:
        return profile, outcomes
    settings = RunSettings(paths=[], profile=profile_ref, lang=lang, config=Config(),
                           select=[r.code for r in profile.rules])
    run = Run(settings, catalogue, profile)
    engine = run.engine()
    options = run.options
    zh = lang == "zh"
    with tempfile.TemporaryDirectory(prefix="perflint-examples-") as folder:
        for rule in profile.rules:
            for number, example in enumerate(rule.examples, 1):
                try:
                    document = example_document(example)
                except ExampleError as exc:
                    problem = (f"示例中的 {exc.pointer} 在 {exc.kind} 基础文档中不存在" if zh else
                               f"{exc.pointer} is no place in the base {exc.kind} document")
                    outcomes.append(Outcome(rule.code, rule.meta.slug, rule.file, number, example.expect_fail,
                                            example.kind, example.note, (), problem))
                    continue
                path = os.path.join(folder, f"{rule.code}-{number}.json")
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(document, fh, ensure_ascii=False)
                invalid = [(ptr, args) for ptr, _, args in validate(example.kind, document)]
                result = engine.check_file(path, options)
                found = [f for f in result.all_findings() if f.code == rule.code]
                pointers = sorted(f.location.pointer for f in found)
                problem = ""
                if invalid:
                    ptr, args = invalid[0]
                    problem = (f"示例不是有效的{example.kind}文档：{ptr or '/'} {args.get('field', '')}" if zh else
                               f"the example is not a valid {example.kind} document: {ptr or '/'} {args.get('field', '')}")
                elif example.expect_fail and example.expect is not None and pointers != sorted(example.expect):
                    problem = (f"预期位置 {', '.join(sorted(example.expect)) or '（无）'}，实际 {', '.join(pointers) or '（无）'}" if zh
                               else f"expected at {', '.join(sorted(example.expect)) or '(none)'}, found at {', '.join(pointers) or '(none)'}")
                elif example.expect_fail and not found:
                    problem = "预期发现问题，实际没有" if zh else "expected a finding, got none"
                elif not example.expect_fail and found:
                    problem = "预期通过，实际发现问题" if zh else "expected no finding, got one"
                outcomes.append(Outcome(rule.code, rule.meta.slug, rule.file, number, example.expect_fail, example.kind,
                                        example.note, tuple((f.location.pointer, f.message) for f in found), problem))
    return profile, outcomes


def report_examples(profile_ref: str, lang: str = "zh") -> int:
    """Print each example's outcome, as the catalogue's fixtures report theirs; 0 when all behave."""
    profile, outcomes = run_examples(profile_ref, lang)
    zh = lang == "zh"
    out = sys.stdout
    if not profile.rules:
        out.write(f"{profile.chain[-1]}: 没有自定义规则（[[rules]]）\n" if zh else f"{profile.chain[-1]}: no rules of its own ([[rules]])\n")
        return 0
    current = None
    for o in outcomes:
        if o.code != current:
            current = o.code
            out.write(f"{o.code} {o.slug}  ({o.file})\n")
        mark = "✓" if o.ok else "✗"
        what = ("不通过示例" if o.expect_fail else "通过示例") if zh else ("fail example" if o.expect_fail else "pass example")
        note = f" {one_line(o.note)}" if o.note else ""
        where = "；".join(p for p, _ in o.found) if zh else "; ".join(p for p, _ in o.found)
        line = f"  {mark} {what} {o.number} [{o.kind}]{note}"
        if where and o.ok:
            line += f" → {where}"
        out.write(line + "\n")
        if not o.ok:
            out.write(f"      {one_line(o.problem)}\n")
            for ptr, message in o.found:
                out.write(f"      {ptr or '/'}: {one_line(message)}\n")
    untested = [r.code for r in profile.rules if not r.examples]
    failed = sum(not o.ok for o in outcomes)
    if untested:
        out.write((f"没有示例的规则：{'、'.join(untested)}\n" if zh else f"rules without examples: {', '.join(untested)}\n"))
    if zh:
        out.write(f"{len(profile.rules)} 条规则，{len(outcomes)} 个示例：{len(outcomes) - failed} 个符合预期，{failed} 个不符合\n")
    else:
        out.write(f"{len(profile.rules)} rules, {len(outcomes)} examples: {len(outcomes) - failed} as expected, {failed} not\n")
    return 1 if failed else 0
