"""perflint: a compliance linter for budget performance management submissions (预算绩效管理)."""

__version__ = "0.1.0"  # the only place the version is written (pyproject.toml reads it from here)

# Installed as `perflint-cn` (the name `perflint` on PyPI is another project); imported and run as `perflint`.
DISTRIBUTION = "perflint-cn"
REPOSITORY = "https://github.com/perflint-cn/perflint"
