"""Configuration: perflint.toml or [tool.perflint] in pyproject.toml, nearest to the checked path.

Precedence: command line, then config, then profile.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import DataError, load_toml

CONFIG_KEYS = {
    "profile": str, "select": list, "ignore": list, "lang": str, "format": str, "fail_on": str,
    "history": list, "registry": list, "include": list, "exclude": list, "per_path_ignores": dict,
    "limits": dict, "waivers": bool, "jobs": int, "timeout": (int, float), "cache": bool,
    "baseline": str,
}
_CHOICES = {"lang": ("zh", "en"), "fail_on": ("error", "warning", "never"),
            "format": ("rich", "text", "json", "sarif", "junit", "github", "html")}


@dataclass(frozen=True)
class Config:
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the file it came from

    @property
    def root(self) -> Path:
        """Relative paths in the config (history, baseline, globs) are relative to its folder."""
        return self.path.parent if self.path else Path.cwd()

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def _validate(raw: dict, source: Path, prefix: str) -> dict:
    for key, value in raw.items():
        if key not in CONFIG_KEYS:
            raise DataError(source, f"{prefix}{key}", f"unknown setting (known: {', '.join(sorted(CONFIG_KEYS))})")
        expected = CONFIG_KEYS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise DataError(source, f"{prefix}{key}", f"wrong type: {type(value).__name__}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise DataError(source, f"{prefix}{key}", f"must be one of {', '.join(_CHOICES[key])}")
    return raw


def read_config(path: Path) -> Config:
    raw = load_toml(path)
    if path.name == "pyproject.toml":
        section = raw.get("tool", {}).get("perflint")
        if section is None:
            raise DataError(path, "tool.perflint", "no [tool.perflint] section")
        return Config(_validate(section, path, "tool.perflint."), path)
    return Config(_validate(raw, path, ""), path)


def find_config(start: Path) -> Config:
    """The nearest perflint.toml, or pyproject.toml with [tool.perflint], at or above `start`."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "perflint.toml"
        if own.is_file():
            return read_config(own)
        py = candidate / "pyproject.toml"
        if py.is_file():
            try:
                raw = load_toml(py)
            except DataError:
                continue
            if "perflint" in raw.get("tool", {}):
                return read_config(py)
    return Config()
