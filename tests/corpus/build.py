"""Write the corpus forms as workbooks, and show how perflint reads them against their expectations.

    python tests/corpus/build.py --out DIR [NAME ...]     write NAME.xlsx (and .xls where listed)
    python tests/corpus/build.py --check [NAME ...]       check each form and print the differences

NAME is a form file's stem or a part of it (e.g. 07_hunan); no NAME means every form.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpuslib import all_forms, diff, seen, write  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    forms = [f for f in all_forms() if not args.names or any(n in f.name for n in args.names)]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for form in forms:
            for fmt in form.formats:
                print(write(form, args.out, fmt))
    if args.check:
        from perflint.api import check_paths

        exact = 0
        with tempfile.TemporaryDirectory() as tmp:
            for form in forms:
                (result,) = check_paths([str(write(form, Path(tmp), form.formats[0]))])
                problem = diff(form, result.verdict, [d.kind for d in result.documents], seen(result.all_findings()))
                exact += not problem
                mark = f" [xfail: {form.xfail}]" if form.xfail else ""
                print(problem + mark if problem else f"{form.name}: read exactly{mark}")
        print(f"{exact} of {len(forms)} forms read exactly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
