"""Shared fixtures: fresh plugin managers and real third-party plugin installs (dist-info on sys.path)."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from rules import RuleSet, build_plugin_manager

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pm():
    """A fresh plugin manager built exactly as the server builds it."""
    return build_plugin_manager(disabled="")


@pytest.fixture
def rules(pm):
    """A fresh rule set over `pm`."""
    return RuleSet(pm)


@pytest.fixture
def install_plugin(tmp_path, monkeypatch):
    """Install a real third-party plugin: a module plus a `.dist-info` with an entry point, on sys.path.

    install_plugin("ep_name", "module source", module="mod_name", dist="dist-name") -> site dir
    """
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    installed: list[str] = []

    def install(ep_name: str, source: str | None = None, *, module: str | None = None,
                dist: str | None = None, version: str = "1.0", value: str | None = None,
                package_dir: Path | None = None) -> Path:
        module = module or f"bc_test_{ep_name}"
        dist = dist or f"bc-test-{ep_name}".replace("_", "-")
        if source is not None:
            (site / f"{module}.py").write_text(textwrap.dedent(source))
        if package_dir is not None:
            monkeypatch.syspath_prepend(str(package_dir))
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(
            f"[backcoach.rules]\n{ep_name} = {value or module}\n")
        installed.append(module)
        importlib.invalidate_caches()
        return site

    yield install
    for module in installed:
        sys.modules.pop(module, None)
