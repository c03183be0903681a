"""Small, type-safe accessors shared by the rules (documents may carry wrong types: F003 reports those)."""
from __future__ import annotations

from typing import Any

from ..model import MAPPINGS, Document


def num(value: Any) -> float | None:
    """A number, or None for anything that is not one (bools included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class _WrongType:
    """A value (or a block above it) of the wrong type: F003 reports it; a sum over it is unknowable."""


WRONG = _WrongType()


def lookup(doc: Document, ptr: str) -> Any:
    """The value at `ptr`: None when it or a block above it is absent or null, WRONG when a block
    above it is not a table (F003's to report, not the rules')."""
    node: Any = doc.data
    for token in ptr.split("/")[1:]:
        if node is None:
            return None
        if not isinstance(node, MAPPINGS):
            return WRONG
        node = node.get(token)
    return node


def number_at(doc: Document, ptr: str) -> float | None:
    return num(doc.get(ptr))


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""




def differs(a: float, b: float, tolerance: float) -> bool:
    # a hair above the tolerance only: 1300.00 vs 1299.99 with tolerance 0.01 is equal
    return abs(a - b) > tolerance + 1e-9
