"""Shared fixtures: fresh plugin managers and real third-party plugin installs (dist-info on sys.path)."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path

import pytest

from rules import RuleSet, build_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
# The simulator's trained models (skill/simulator/nlu): cached beside pytest's own cache, keyed on
# everything they are trained from, so a test run trains each locale at most once and never uses
# or fills the developer's ~/.cache.
os.environ.setdefault("BACKCOACH_NLU_CACHE", str(ROOT / ".pytest_cache" / "backcoach-nlu"))


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


@pytest.fixture
def make_app(tmp_path):
    """create_app with a private instance folder and SQLite file; verification off unless asked.

    With CONSOLE on (the default when verification is off) the browser console is installed,
    as ``backcoach serve`` does."""
    from skill.app import create_app
    from skill.simulator.console import install

    def make(**config):
        settings = {"INSTANCE_PATH": str(tmp_path / "instance"), "VERIFY_SIGNATURE": False,
                    "USER_KEY_SECRET": "0123456789abcdef0123456789abcdef", "LOG_LEVEL": "DEBUG"}
        settings.update(config)
        app = create_app(settings)
        if app.config["CONSOLE"]:
            install(app)
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def device(client):
    from alexa import Echo
    return Echo(client)


@pytest.fixture(autouse=True)
def every_response_follows_the_speech_rules():
    """Alexa's SSML and voice-UI rules, checked on every response a test produced."""
    from alexa import SPEECH_LOG
    start = len(SPEECH_LOG)
    yield
    bad = [(route, problems) for route, problems in SPEECH_LOG[start:] if problems]
    assert not bad, f"speech rule violations: {bad}"
