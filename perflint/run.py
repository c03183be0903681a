"""One run of `perflint check`: settings resolved, files found, results streamed to formatters."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .catalogue import Catalogue, default_catalogue
from .config import Config, glob_match
from .data import DataError
from .engine import Engine, Selection
from .profiles import Profile, load_profile, with_profile_rules
from .readers import SUFFIXES, Limits, ReaderOptions


@dataclass
class RunSettings:
    paths: list[str]
    profile: str = "national"
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    lang: str = "zh"
    fail_on: str = "error"
    use_waivers: bool = True
    history: list[str] = field(default_factory=list)
    registry: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    jobs: int = 1
    timeout: float = 60.0
    cache: bool | None = None  # None: on for folders, off for single files
    config: Config = field(default_factory=Config)

    @classmethod
    def resolve(cls, paths: list[str], config: Config, cli: dict[str, Any]) -> "RunSettings":
        """CLI beats config beats defaults; paths in the config are relative to its folder."""
        merged: dict[str, Any] = {}
        for key in ("profile", "select", "ignore", "lang", "fail_on", "history", "registry", "include", "exclude",
                    "per_path_ignores", "jobs", "timeout", "cache"):
            if cli.get(key) not in (None, [], ()):
                merged[key] = cli[key]
            elif config.get(key) is not None:
                value = config.get(key)
                if key in ("history", "registry"):
                    value = [str(config.root / p) if not os.path.isabs(p) else p for p in value]
                if key == "profile" and value.endswith(".toml") and not os.path.isabs(value):
                    value = str(config.root / value)
                merged[key] = value
        if cli.get("waivers") is False or config.get("waivers") is False:
            merged["use_waivers"] = False
        limits = Limits.from_mapping(config.get("limits") or {}, str(config.path or "config"))
        return cls(paths=paths, limits=limits, config=config, **merged)


def load_policy(settings: RunSettings) -> tuple[Catalogue, Profile]:
    catalogue = default_catalogue()
    base = settings.config.root if settings.config.path else None
    profile = load_profile(settings.profile, catalogue, base)
    return with_profile_rules(catalogue, profile), profile


def _per_path_ignores(settings: RunSettings, catalogue: Catalogue):
    patterns = settings.per_path_ignores
    if not patterns:
        return None
    root = settings.config.root

    def ignores(path: str) -> list[str]:
        rel = _relative(path, root)
        out: list[str] = []
        for pattern, codes in patterns.items():
            if glob_match(rel, pattern):
                out.extend(catalogue.resolve(c.strip()).upper() for code in codes for c in code.split(",") if c.strip())
        return out

    return ignores


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def build_engine(settings: RunSettings, catalogue: Catalogue, profile: Profile, history: Any = None) -> Engine:
    from .checks import load_rules

    catalogue = with_profile_rules(catalogue, profile)  # the profile's own rules ([[rules]]) run beside the shipped
    unknown = [s for s in settings.select + settings.ignore
               if s.strip() and not catalogue.matching(s.split(",")[0])]
    if unknown:
        raise DataError("--select/--ignore", unknown[0], "matches no rule code, prefix or slug")
    rules = load_rules(catalogue)
    if profile.rules:
        rules.update((r.code, r) for r in profile.rules)
    return Engine(catalogue, profile, rules,
                  Selection.build(catalogue, settings.select, settings.ignore), settings.lang,
                  settings.use_waivers, history, _per_path_ignores(settings, catalogue),
                  keep_records=history is not None)


def reader_options(settings: RunSettings, profile: Profile) -> ReaderOptions:
    return ReaderOptions(settings.limits, profile.aliases)


def collect_files(paths: Iterable[str], include: Iterable[str] = (), exclude: Iterable[str] = (),
                  root: Path | None = None, problems: list[tuple[str, str]] | None = None) -> list[str]:
    """Files in the order given; a folder's files sorted by path (hidden and ~$ lock files skipped).

    include/exclude globs (relative to `root`, the config's folder) apply to named files too: a
    pre-commit hook names every staged .json, and package.json is no submission.

    `problems` collects (path, why) for what must not pass silently: a folder that cannot be read,
    and a folder that holds no submission (a folder named x.xlsx included).
    """
    include, exclude = list(include), list(exclude)
    root = root or Path.cwd()

    def keep(path: str, explicit: bool) -> bool:
        if not include and not exclude:
            return True
        rel = _relative(path, root)
        if exclude and any(glob_match(rel, p) for p in exclude):
            return False
        if include:
            return any(glob_match(rel, p) for p in include)
        return True

    out: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            found = []

            def unreadable(exc: OSError) -> None:
                if problems is not None:
                    problems.append((exc.filename or given, f"cannot read the folder: {exc.strerror or exc}"))

            for folder, dirs, files in os.walk(given, onerror=unreadable):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    if name.startswith((".", "~$")) or os.path.splitext(name)[1].lower() not in SUFFIXES:
                        continue
                    full = os.path.normpath(os.path.join(folder, name))  # "./a.json" reads as "a.json"
                    if keep(full, explicit=False):
                        found.append(full)
            out.extend(sorted(found))
            if not found and problems is not None:
                problems.append((given, "no submission (.xlsx .xlsm .xls .json) in this folder"))
        elif keep(given, explicit=True):
            out.append(given)
    return out
