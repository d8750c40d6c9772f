"""Refuse to run beside the unrelated PyPI package ``observable``, which shares our import name.

``pip install observable`` (an event library, 1.0.3) and ``pip install observable-journal``
both write the directory ``observable/`` in site-packages, so whichever is installed last
silently overwrites files of the other. This module looks, once at import, for the other
distribution's metadata next to this package and raises :class:`ForeignObservableError` if
it is there.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DISTRIBUTION", "ForeignObservableError", "check_identity", "foreign_distributions"]

DISTRIBUTION = "observable-journal"
"""The name this project is installed under (its import name is ``observable``)."""

_FOREIGN_PREFIX = "observable-"  # metadata dirs are "<normalized name>-<version>.dist-info"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


class ForeignObservableError(ImportError):
    """The unrelated PyPI package ``observable`` is installed over or beside this one."""


def foreign_distributions(site_dir: Path) -> list[str]:
    """Return the metadata directories in ``site_dir`` of a distribution named ``observable``."""
    try:
        names = os.listdir(site_dir)
    except OSError:
        return []
    return sorted(
        name
        for name in names
        if name.lower().startswith(_FOREIGN_PREFIX) and name.lower().endswith(_METADATA_SUFFIXES)
    )


def check_identity(package_dir: Path | None = None) -> None:
    """Raise :class:`ForeignObservableError` if PyPI's ``observable`` shares our directory."""
    package_dir = Path(__file__).resolve().parent if package_dir is None else package_dir
    found = foreign_distributions(package_dir.parent)
    if found:
        raise ForeignObservableError(
            f"The 'observable' package in {package_dir} is mixed with the unrelated PyPI "
            f"package 'observable' ({', '.join(found)}), an event library that uses the same "
            f"import name; installing one overwrites the other's files. Remove both and "
            f"reinstall this one: pip uninstall -y observable {DISTRIBUTION}, then install "
            f"{DISTRIBUTION} again (see 'Install' in its README)."
        )


check_identity()
