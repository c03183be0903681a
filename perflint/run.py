"""One run, wired in one place: settings resolved, the policy loaded, the cross-document index
planned, the engine built and the batch opened. The command line, the Python API, the server's
workers and the tests all start a run here."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalogue import Catalogue, default_catalogue
from .config import Config, glob_match
from .data import DataError
from .engine import Engine, Selection
from .files import relative
from .profiles import Profile, is_profile_path, load_profile, with_profile_rules
from .readers import Limits, ReaderOptions

if TYPE_CHECKING:
    from .batch import Batch
    from .batch.cache import ResultCache
    from .history import HistoryIndex, IndexBuilder


def configured_profile(config: Config) -> str | None:
    """The config's `profile`: a built-in name as written, a path taken from the config's folder."""
    value = config.get("profile")
    if not value:
        return None
    return config.relative(value) if is_profile_path(value) else value


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
                if key == "profile":
                    value = configured_profile(config)
                merged[key] = value
        if cli.get("waivers") is False or config.get("waivers") is False:
            merged["use_waivers"] = False
        limits = Limits.from_mapping(config.get("limits") or {}, str(config.path or "config"))
        return cls(paths=paths, limits=limits, config=config, **merged)


@dataclass(frozen=True)
class Run:
    """What a run is checked with, resolved once: its settings, the rule catalogue, the profile and
    the reader options that follow from them. Frozen, and plain enough to cross to a worker."""

    settings: RunSettings
    catalogue: Catalogue
    profile: Profile
    options: ReaderOptions = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # the profile's own rules ([[rules]]) run beside the shipped ones, whoever built the run
        object.__setattr__(self, "catalogue", with_profile_rules(self.catalogue, self.profile))
        object.__setattr__(self, "options", ReaderOptions(self.settings.limits, self.profile.aliases))

    @classmethod
    def load(cls, settings: RunSettings, catalogue: Catalogue | None = None) -> "Run":
        """The run of `settings`: the default catalogue and the profile they name (a path relative
        to the config's folder)."""
        catalogue = catalogue or default_catalogue()
        base = settings.config.root if settings.config.path else None
        return cls(settings, catalogue, load_profile(settings.profile, catalogue, base))

    def engine(self, history: HistoryIndex | None = None, *, keep_records: bool | None = None) -> Engine:
        """The engine of this run; a selection naming no rule fails here, before any file is read."""
        from .checks import load_rules

        settings, profile, catalogue = self.settings, self.profile, self.catalogue
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
                      keep_records=history is not None if keep_records is None else keep_records)

    def cross_codes(self) -> frozenset[str]:
        """The cross-document (H) rules this run applies: what the index is built for."""
        selection = Selection.build(self.catalogue, self.settings.select, self.settings.ignore)
        profile = self.profile
        return frozenset(c for c in self.catalogue.cross_codes()
                         if (selection(c) or c in profile.mandatory_rules) and not profile.switched_off(c))


def open_batch(run: Run, files: list[str], *, ledger: bool = False, jobs: int | None = None,
               results: ResultCache | bool | None = None, keep_run_records: bool = True, **tuning: Any) -> Batch:
    """The batch that checks `files` with `run`: the index its H rules need (None when none is
    selected and no ledger is asked for), the engine, the workers' plan and the result cache.

    `jobs`: instead of the settings' own; `results`: a result cache instead of the one the settings
    ask for, False for none; `keep_run_records` False: the run's own files never enter the history
    cache (the server keeps nothing of an upload); `tuning`: the batch's window, chunk and pool.
    """
    from .batch import Batch, BatchPlan, resolve_jobs

    builder = _index_for(run, files, ledger=ledger, keep_run_records=keep_run_records,
                         fingerprint=results is None and _wants_result_cache(run))
    index = None
    if builder is not None and not builder.pending:  # every file's records came from the record cache
        index, builder = builder.build(), None
    engine = run.engine(index, keep_records=index is not None or builder is not None)
    jobs = min(resolve_jobs(run.settings.jobs if jobs is None else jobs), max(1, len(files)))
    if results is None:
        source = builder if builder is not None else index  # an index without a record is still an index
        results = _result_cache(run, source.fingerprint if source is not None else None)
    plan = BatchPlan(run, index, run.settings.timeout or None)
    return Batch(engine, plan, list(files), jobs, results or None, pending=builder, **tuning)


def _index_for(run: Run, files: list[str], *, ledger: bool, keep_run_records: bool,
               fingerprint: bool = True) -> IndexBuilder | None:
    """The index of the run's history sources, its own files still to be read (none when no H rule
    is selected and no ledger is asked for)."""
    wanted = run.cross_codes()
    if not wanted and not ledger:
        return None
    from .batch import records_reader
    from .history import IndexBuilder

    settings = run.settings
    jobs = settings.jobs or (os.cpu_count() or 1)
    # the run's own files are indexed as the batch reads them for their check: never read twice
    return IndexBuilder(run.options, history=settings.history, registry=settings.registry, run_files=files,
                        use_cache=settings.cache is not False, keep_run_records=keep_run_records,
                        wanted=wanted,  # H500 does not report on a rule the run left out
                        read=records_reader(run, jobs), fingerprint=fingerprint)


def _wants_result_cache(run: Run) -> bool:
    use = run.settings.cache
    if use is None:  # on for folders (bureau batches), off for files named one by one (pre-commit)
        use = any(os.path.isdir(p) for p in run.settings.paths)
    return bool(use)


def _result_cache(run: Run, history: str | None) -> ResultCache | None:
    if not _wants_result_cache(run):
        return None
    from .batch.cache import ResultCache

    return ResultCache.open(run.settings, run.profile, history)


def _per_path_ignores(settings: RunSettings, catalogue: Catalogue):
    patterns = settings.per_path_ignores
    if not patterns:
        return None
    root = settings.config.root

    def ignores(path: str) -> list[str]:
        rel = relative(path, root)
        out: list[str] = []
        for pattern, codes in patterns.items():
            if glob_match(rel, pattern):
                out.extend(catalogue.resolve(c.strip()).upper() for code in codes for c in code.split(",") if c.strip())
        return out

    return ignores
