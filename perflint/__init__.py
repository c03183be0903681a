"""perflint: a compliance linter for budget performance management submissions (预算绩效管理)."""

__version__ = "0.1.0"
