import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
# keep test runs from touching the user's cache
os.environ.setdefault("PERFLINT_CACHE_DIR", str(ROOT / ".pytest_cache" / "perflint"))

# hypothesis is a pytest plugin, so pytest rewrites its modules when they are first imported. Left to
# pandera (which imports it inside a ledger run, deep in a test's stack), that rewriting can hit
# CPython 3.11.7's "AST constructor recursion depth mismatch"; imported here, it happens at the top.
import hypothesis  # noqa: E402,F401


def pytest_terminal_summary(terminalreporter):
    """One line on the real-form corpus (tests/test_corpus.py): the share of forms read exactly."""
    from corpuslib import RESULTS

    results = terminalreporter.config.stash.get(RESULTS, None)
    if results:
        exact = sum(results.values())
        terminalreporter.write_line(f"real-form corpus: {exact} of {len(results)} form files read exactly "
                                    f"({100 * exact / len(results):.0f}%)")
