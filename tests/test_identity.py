"""``import observable`` refuses to run mixed with PyPI's unrelated ``observable`` package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wrapt

import observable
from observable._identity import ForeignObservableError, check_identity

PACKAGE = Path(observable.__file__).resolve().parent


def _site_dir(tmp_path: Path, *, foreign: bool) -> Path:
    """Copy this package into a fresh site dir, with the other package's metadata if asked."""
    site = tmp_path / "site-packages"
    shutil.copytree(PACKAGE, site / "observable", ignore=shutil.ignore_patterns("__pycache__"))
    if foreign:
        info = site / "observable-1.0.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.0\nName: observable\nVersion: 1.0.3\n")
        (info / "top_level.txt").write_text("observable\ntests\n")
    return site


def _import_from(site: Path) -> subprocess.CompletedProcess[str]:
    """Import ``observable`` in a fresh interpreter whose only copy of it is in ``site``.

    ``-S`` skips ``.pth`` files, so the development checkout's editable hook stays out;
    the installed dependencies (wrapt) come from their directory, named explicitly.
    """
    dependencies = Path(wrapt.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(dependencies)])}
    code = "import observable, sys; sys.stdout.write(observable.__file__)"
    return subprocess.run(
        [sys.executable, "-S", "-c", code],
        env=env,
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_fails_clearly_when_the_unrelated_package_is_installed_beside(
    tmp_path: Path,
) -> None:
    result = _import_from(_site_dir(tmp_path, foreign=True))
    assert result.returncode != 0
    assert "ForeignObservableError" in result.stderr
    assert "unrelated PyPI package 'observable'" in result.stderr
    assert "observable-1.0.3.dist-info" in result.stderr
    assert "pip uninstall -y observable observable-journal" in result.stderr


def test_import_works_in_a_site_dir_without_it(tmp_path: Path) -> None:
    site = _site_dir(tmp_path, foreign=False)
    result = _import_from(site)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout).resolve() == (site / "observable" / "__init__.py").resolve()


def test_the_error_is_an_import_error_naming_the_directory(tmp_path: Path) -> None:
    (tmp_path / "observable").mkdir()
    (tmp_path / "observable-1.0.3.dist-info").mkdir()
    with pytest.raises(ImportError, match="mixed with the unrelated PyPI package") as caught:
        check_identity(tmp_path / "observable")
    assert isinstance(caught.value, ForeignObservableError)
    assert str(tmp_path / "observable") in str(caught.value)


def test_our_own_distribution_metadata_is_not_mistaken_for_it(tmp_path: Path) -> None:
    (tmp_path / "observable").mkdir()
    (tmp_path / "observable_journal-0.1.0.dist-info").mkdir()
    (tmp_path / "observable_streamlit").mkdir()
    check_identity(tmp_path / "observable")
