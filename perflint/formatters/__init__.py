"""Formatters: findings in, a report out. They know findings, not rules.

Each takes results one file at a time (`file`) and the run's summary at the end (`close`), so a
batch of any size streams through without being held in memory.
"""
from __future__ import annotations

import importlib
from typing import IO, TYPE_CHECKING, Any

from ..report import Formatter, ReportMeta

if TYPE_CHECKING:
    from ..catalogue import Catalogue

# format name -> (module, class); modules load only when their format is asked for
FORMATS = {
    "rich": ("rich_console", "RichFormatter"),
    "text": ("text", "TextFormatter"),
    "json": ("json_report", "JsonFormatter"),
    "sarif": ("sarif", "SarifFormatter"),
    "junit": ("junit", "JunitFormatter"),
    "github": ("github", "GithubFormatter"),
    "html": ("html", "HtmlFormatter"),
    "xlsx": ("xlsx_report", "XlsxFormatter"),
}
# what --format, -o and a config's `format` take: the 审核意见 workbook is written by --report
OUTPUT_FORMATS = tuple(name for name in FORMATS if name != "xlsx")


class UsesCatalogue:
    """For reports that describe rules (SARIF rule help, HTML and Excel advice): the run's catalogue,
    or the shipped one, loaded when a rule is first described."""

    _catalogue: Catalogue | None = None

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            from ..catalogue import default_catalogue

            self._catalogue = default_catalogue()
        return self._catalogue


def make_formatter(name: str, out: IO[str] | None, path: str | None, meta: ReportMeta, **options: Any) -> Formatter:
    module_name, cls_name = FORMATS[name]
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, cls_name)(out=out, path=path, meta=meta, **options)
