"""The rule registry: every `origin = "rule"` entry of the catalogue has exactly one function here.

A rule is a pure function `(doc, ctx) -> Iterable[Hit]`; the engine stamps code, severity,
location and message. Modules are listed explicitly so that start-up imports only what it uses.
"""
from __future__ import annotations

import importlib
from typing import Callable, Iterable

from ..catalogue import Catalogue
from ..data import DataError
from ..model import Document, Hit

RuleFn = Callable[[Document, "object"], Iterable[Hit]]

MODULES = (
    "basic",
    "amounts",
    "indicators",
    "scoring",
    "history",
)

_REGISTRY: dict[str, RuleFn] = {}


class RegistryError(DataError):
    pass


def rule(code: str) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under its catalogue code; a second registration is an error."""

    def decorate(fn: RuleFn) -> RuleFn:
        if code in _REGISTRY and _REGISTRY[code] is not fn:
            raise RegistryError(fn.__module__, code, f"registered twice ({_REGISTRY[code].__qualname__}, {fn.__qualname__})")
        _REGISTRY[code] = fn
        fn.code = code  # type: ignore[attr-defined]
        return fn

    return decorate


_loaded = False


def load_rules(catalogue: Catalogue) -> dict[str, RuleFn]:
    """Import the rule modules and check them against the catalogue, both ways."""
    global _loaded
    if not _loaded:
        for name in MODULES:
            try:
                importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        _loaded = True
    for code in _REGISTRY:
        if code not in catalogue:
            raise RegistryError(_REGISTRY[code].__module__, code, "rule function for a code the catalogue does not know")
        if catalogue[code].origin != "rule":
            raise RegistryError(_REGISTRY[code].__module__, code, f"catalogue says this code comes from the {catalogue[code].origin}")
    missing = [c for c, m in catalogue.rules.items() if m.origin == "rule" and c not in _REGISTRY]
    if missing:
        raise RegistryError("rules/", ", ".join(missing), "catalogue rules without an implementation")
    return dict(_REGISTRY)
