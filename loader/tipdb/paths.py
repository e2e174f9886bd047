"""Where the project's SQL and data live: inside the installed package, or at the top of a checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def project_dir(name: str) -> Path:
    """Return the `schema`, `seeds` or `queries` directory.

    A built wheel carries them inside the package; an editable install or a plain checkout
    finds them two levels up, beside `loader/`.
    """
    packaged = _PACKAGE / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parents[1] / name


def schema_dir() -> Path:
    return project_dir("schema")


def seeds_dir() -> Path:
    return project_dir("seeds")


def queries_dir() -> Path:
    return project_dir("queries")
