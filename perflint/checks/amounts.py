"""A — amounts (万元): totals that must add up, and amounts that must not be negative or exceed."""
from __future__ import annotations

from . import rule
from ..model import Hit
from ._util import differs, number_at


@rule("A201")
def annual_funds_unbalanced(doc, ctx):
    total, fiscal, other = (number_at(doc, f"/funds/annual/{k}") for k in ("total", "fiscal", "other"))
    if total is None or fiscal is None:
        return
    other = other or 0.0
    if differs(total, fiscal + other, ctx.param("amount_tolerance")):
        yield Hit.at("/funds/annual/total", total=total, fiscal=fiscal, other=other, diff=total - fiscal - other)
