"""Configuration: perflint.toml or [tool.perflint] in pyproject.toml, nearest to the checked path.

Precedence: command line, then config, then profile. Discovery walks up from the checked path and
stops at the repository's root (the folder holding .git), so a config above the repository never
leaks into it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .data import DataError, load_toml, string_list

CONFIG_KEYS = {
    "profile": str, "select": list, "ignore": list, "lang": str, "format": str, "fail_on": str,
    "history": list, "registry": list, "include": list, "exclude": list, "per_path_ignores": dict,
    "limits": dict, "waivers": bool, "jobs": int, "timeout": (int, float), "cache": bool,
    "baseline": str, "paths": list, "bureau": str, "report_detail": str, "min_severity": str,
}
_STRING_LISTS = ("select", "ignore", "history", "registry", "include", "exclude", "paths")
# `format` is checked against the formatters where the command starts (check_cli): the settings
# never import what writes the reports
_CHOICES = {"lang": ("zh", "en"), "fail_on": ("error", "warning", "never"),
            "report_detail": ("department", "full"), "min_severity": ("info", "warning", "error")}


@dataclass(frozen=True)
class Config:
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the file it came from

    @property
    def root(self) -> Path:
        """Relative paths in the config (history, baseline, globs, paths) are relative to its folder."""
        return self.path.parent if self.path else Path.cwd()

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "config"

    def key_name(self, key: str) -> str:
        """How the key is spelled in its file, for error messages."""
        return f"tool.perflint.{key}" if self.path and self.path.name == "pyproject.toml" else key

    def relative(self, value: str) -> str:
        """A path from the config, made usable from the current folder."""
        return value if os.path.isabs(value) else str(self.root / value)

    def check_codes(self, known: "Iterable[str] | Any") -> None:
        """Rule codes named in the config must exist: a typo would silently check nothing.

        `known` answers `matching(token)` (a Catalogue) so prefixes and slugs count as known.
        """
        def probe(key: str, items: list[str]) -> None:
            for item in items:
                for token in str(item).split(","):
                    token = token.strip()
                    if token and not known.matching(token):
                        raise DataError(self.source, key, f"{token!r} matches no rule code, prefix or slug")

        for key in ("select", "ignore"):
            probe(self.key_name(key), self.get(key) or [])
        for pattern, codes in (self.get("per_path_ignores") or {}).items():
            probe(f"{self.key_name('per_path_ignores')}.{pattern!r}", codes)


def _validate(raw: dict, source: Path, prefix: str) -> dict:
    for key, value in raw.items():
        if key not in CONFIG_KEYS:
            raise DataError(source, f"{prefix}{key}", f"unknown setting (known: {', '.join(sorted(CONFIG_KEYS))})")
        expected = CONFIG_KEYS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise DataError(source, f"{prefix}{key}", f"wrong type: {type(value).__name__}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise DataError(source, f"{prefix}{key}", f"must be one of {', '.join(_CHOICES[key])}")
        if key in _STRING_LISTS:
            string_list(source, f"{prefix}{key}", value)
        if key == "per_path_ignores":
            for pattern, codes in value.items():
                if (not isinstance(codes, list) or not codes
                        or any(not isinstance(c, str) or not c.strip() for c in codes)):
                    raise DataError(source, f"{prefix}{key}.{pattern!r}",
                                    'must be a list of rule codes or prefixes, e.g. "archive/**" = ["H"]')
        if key in ("include", "exclude", "per_path_ignores"):
            for pattern in value:
                try:
                    _glob_regex(pattern)
                except re.error as exc:
                    raise DataError(source, f"{prefix}{key}", f"{pattern!r} is not a valid glob: {exc}") from None
        if key == "jobs" and value < 0:
            raise DataError(source, f"{prefix}{key}", "must be 0 (all cores) or more")
        if key == "timeout" and not (0 <= value < float("inf")):  # nan and inf fail this too
            raise DataError(source, f"{prefix}{key}", "must be a number of seconds ≥ 0 (0 = no limit)")
    return raw


def read_config(path: Path) -> Config:
    path = Path(path)
    raw = load_toml(path)
    if path.name == "pyproject.toml":
        tool = raw.get("tool", {})
        section = tool.get("perflint") if isinstance(tool, dict) else None
        if section is None:
            raise DataError(path, "tool.perflint", "no [tool.perflint] section")
        if not isinstance(section, dict):
            raise DataError(path, "tool.perflint", "must be a table")
        return Config(_validate(section, path, "tool.perflint."), path.resolve())
    return Config(_validate(raw, path, ""), path.resolve())


def is_repository_root(folder: Path) -> bool:
    return (folder / ".git").exists()


def find_repository_root(start: Path) -> Path | None:
    start = Path(start).resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if is_repository_root(candidate):
            return candidate
    return None


def find_config(start: Path) -> Config:
    """The nearest perflint.toml, or pyproject.toml with [tool.perflint], at or above `start`.

    The walk stops at the repository root. A pyproject.toml without a [tool.perflint] table is
    passed over; one that is not valid TOML is passed over too, since it belongs to someone else.
    """
    start = Path(start).resolve()
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
                raw = {}
            tool = raw.get("tool", {})
            if isinstance(tool, dict) and "perflint" in tool:
                return read_config(py)
        if is_repository_root(candidate):
            break
    return Config()


def common_folder(paths: Iterable[str]) -> Path:
    """The deepest folder holding every path: where config discovery starts for several paths."""
    resolved = [Path(p).resolve() for p in paths]
    folders = [p if p.is_dir() else p.parent for p in resolved]
    if not folders:
        return Path.cwd()
    return Path(os.path.commonpath([str(f) for f in folders]))


# ---- globs ---------------------------------------------------------------------------------
# gitignore-like: `*` stays within a folder, `**` crosses folders, a pattern without a slash
# matches a name at any depth, and a pattern that matches a folder matches everything below it.

@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip().replace("\\", "/")
    anchored = "/" in pat.rstrip("/")
    pat = pat.strip("/") if anchored else pat.rstrip("/")
    if pat.startswith("./"):
        pat = pat[2:]
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$", re.IGNORECASE if os.name == "nt" else 0)


def glob_match(relpath: str, pattern: str) -> bool:
    """Does a path (relative to the config's folder, with slashes) match a config glob?"""
    rel = relpath.replace("\\", "/")
    while rel.startswith("./"):
        rel = rel[2:]
    return bool(_glob_regex(pattern).match(rel))


def relative_to(path: str | Path, root: Path) -> str:
    """`path` relative to `root` with slashes; paths outside `root` keep their given form."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def config_and_paths(paths: list[str], config_file: Path | None = None,
                     isolated: bool = False) -> tuple[Config, list[str]]:
    """The config that applies to a run, and what to check.

    Several paths share one config, found from their common folder. With no paths, the config's
    `paths` are checked (relative to its folder), else the config's folder, else the repository
    root: this is what the `perflint-all` pre-commit hook runs.
    """
    if isolated:
        cfg = Config()
    elif config_file is not None:
        cfg = read_config(Path(config_file))
    else:
        cfg = find_config(common_folder(paths) if paths else Path.cwd())
    _check_sources(cfg)
    if paths:
        return cfg, list(paths)
    if cfg.get("paths"):
        targets = [cfg.relative(p) for p in cfg.get("paths")]
        for given, target in zip(cfg.get("paths"), targets):
            if not os.path.exists(target):
                raise DataError(cfg.source, cfg.key_name("paths"), f"no such file or folder: {given}")
    elif cfg.path is not None:
        targets = [str(cfg.root)]
    else:
        root = find_repository_root(Path.cwd())
        if root is None:
            raise DataError("perflint check", "", "no paths given, and no perflint.toml or git repository here: "
                                                 "perflint check FILE_OR_FOLDER…")
        targets = [str(root)]
    return cfg, [_shown(t) for t in targets]


def _check_sources(cfg: Config) -> None:
    """History and registry entries of the config must name something (a path or a matching glob)."""
    import glob

    for key in ("history", "registry"):
        for given in cfg.get(key) or []:
            target = cfg.relative(given)
            if not os.path.exists(target) and not glob.glob(target, recursive=True):
                raise DataError(cfg.source, cfg.key_name(key), f"no such file or folder, and no file matches: {given}")


class from_config:
    """Errors in a file a config setting points to (profile, baseline) also name the config and key."""

    def __init__(self, cfg: Config, key: str, applies: bool = True) -> None:
        self.cfg, self.key, self.applies = cfg, key, applies and cfg.path is not None and key in cfg.values

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if self.applies and isinstance(exc, DataError) and exc.source != self.cfg.source:
            raise DataError(self.cfg.source, self.cfg.key_name(self.key), str(exc)) from None
        return False


def _shown(path: str) -> str:
    """Paths below the current folder are reported relative to it, as if the user had typed them."""
    rel = os.path.relpath(path)
    return path if rel == ".." or rel.startswith(".." + os.sep) else rel
