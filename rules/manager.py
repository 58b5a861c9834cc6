"""Build the plugin manager: built-ins by name, then entry points, blocking and validation.

Loading is tolerant (one broken third-party plugin is recorded, not fatal) and validation is
strict (a misspelt hook name or a wrapper on the red-flag hook refuses the plugin).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import metadata

import pluggy

from . import hookspecs

log = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)

#: Built-in plugins, registered by name in this order.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("red_flags", "plugins.red_flags"),
    ("timeline", "plugins.timeline"),
    ("stretches", "plugins.stretches"),
    ("activities", "plugins.activities"),
    ("advice", "plugins.advice"),
    ("answers", "plugins.answers"),
    ("sources", "plugins.sources"),
    ("routine", "plugins.routine"),
    ("cases", "plugins.cases"),
)
#: Built-ins that cannot be blocked: without them no answer is safe.
ESSENTIAL_PLUGINS = frozenset({"red_flags", "timeline"})
ENTRY_POINT_GROUP = "backcoach.rules"
DISABLED_ENV = "BACKCOACH_DISABLED_PLUGINS"
#: An allowlist of third-party plugins (as datasette's and llm's): unset loads every installed
#: plugin, "" loads the built-ins only, "a,b" loads only those.
LOAD_ENV = "BACKCOACH_LOAD_PLUGINS"
#: Hooks whose results must not be replaced by a wrapper.
UNWRAPPABLE_HOOKS = frozenset({"backcoach_red_flags"})


@dataclass(frozen=True)
class PluginRecord:
    """What `backcoach plugins` shows about one plugin.

    origin: "builtin" | "entry point" | "registered"; status: "active" | "blocked" | "failed" |
    "disabled" (stopped while running after its case-hook calls overran their deadline, until
    restart; `error` says so, and also carries the overruns of a plugin still active).
    """

    name: str
    origin: str
    status: str
    module: str = ""
    version: str = ""
    distribution: str = ""
    hooks: tuple[str, ...] = ()
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name, "origin": self.origin, "status": self.status,
            "module": self.module, "version": self.version, "distribution": self.distribution,
            "hooks": list(self.hooks), "error": self.error,
        }


class BackcoachPluginManager(pluggy.PluginManager):
    """A pluggy manager that validates every plugin at registration and remembers outcomes."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}

    def parse_hookimpl_opts(self, plugin: object, name: str):  # type: ignore[override]
        """Treat undecorated ``backcoach_*`` functions as hooks too, so a misspelt one is caught."""
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(f"{hookspecs.PROJECT}_"):
            if callable(getattr(plugin, name, None)):
                return {}
        return opts

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register `plugin`, refusing unknown hook names and wrappers on the red-flag hook."""
        registered = super().register(plugin, name)
        if registered is None:
            return None
        problem = self._problem(plugin)
        if problem:
            self.unregister(plugin)
            raise pluggy.PluginValidationError(plugin, f"plugin {registered!r}: {problem}")
        return registered

    def _problem(self, plugin: object) -> str:
        for caller in self.get_hookcallers(plugin) or ():
            if caller.spec is None:
                return (f"{caller.name!r} is not a Back Coach hook (misspelt?); "
                        f"hooks are: {', '.join(sorted(hook_names()))}")
            if caller.name in UNWRAPPABLE_HOOKS:
                for impl in caller.get_hookimpls():
                    if impl.plugin is plugin and (impl.hookwrapper or impl.wrapper):
                        return f"wrappers on {caller.name!r} are refused: they could hide a red flag"
        return ""

    def hooks_of(self, plugin: object) -> tuple[str, ...]:
        return tuple(sorted(caller.name for caller in self.get_hookcallers(plugin) or ()))


def hook_names() -> set[str]:
    """Names of all hook specs."""
    return {name for name in dir(hookspecs) if name.startswith(f"{hookspecs.PROJECT}_")}


def parse_disabled(value: str | Iterable[str] | None) -> frozenset[str]:
    """Plugin names from a comma-separated string (or an iterable); None reads the environment."""
    if value is None:
        value = os.environ.get(DISABLED_ENV, "")
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(name.strip() for name in value if name and name.strip())


def build_plugin_manager(
    disabled: str | Iterable[str] | None = None, *, entry_points: bool = True,
    load: str | Iterable[str] | None = None,
) -> BackcoachPluginManager:
    """Build the manager exactly as the server does.

    :param disabled: plugin names to block before import (default: $BACKCOACH_DISABLED_PLUGINS).
    :param entry_points: also load third-party plugins of the ``backcoach.rules`` group.
    :param load: the only third-party plugins to load (default: $BACKCOACH_LOAD_PLUGINS; unset
        means all, "" means the built-ins only); the others are blocked before import.
    :raises ValueError: when an essential built-in plugin is blocked.

    A name in either list that matches no plugin is logged as a warning naming the plugins
    that exist (a typo would otherwise be silently ignored).
    """
    blocked = parse_disabled(disabled)
    essential = blocked & ESSENTIAL_PLUGINS
    if essential:
        raise ValueError(
            f"{DISABLED_ENV}: the built-in plugin(s) {', '.join(sorted(essential))} cannot be "
            "disabled: without them no answer is safe")
    pm = BackcoachPluginManager()
    version = _own_version()
    for name, module_name in BUILTIN_PLUGINS:
        record = PluginRecord(name, "builtin", "blocked", module_name, version, "back-coach")
        if name in blocked:
            pm.set_blocked(name)
        else:
            # A broken built-in is a broken install: fail start-up loudly.
            module = importlib.import_module(module_name)
            pm.register(module, name=name)
            record = replace(record, status="active", hooks=pm.hooks_of(module))
        pm.records[name] = record
    allowed = _allowlist(load)
    if entry_points:
        _load_entry_points(pm, blocked, allowed)
    pm.check_pending()
    _warn_unknown(pm, blocked, DISABLED_ENV)
    if allowed is not None:
        _warn_unknown(pm, allowed, LOAD_ENV)
    return pm


def _allowlist(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        value = os.environ.get(LOAD_ENV)
        if value is None:
            return None
    return parse_disabled(value)


def _warn_unknown(pm: BackcoachPluginManager, names: frozenset[str], setting: str) -> None:
    unknown = sorted(names - pm.records.keys())
    if unknown:
        log.warning("%s names no plugin: %s (plugins: %s)", setting, ", ".join(unknown),
                    ", ".join(sorted(pm.records)))


def _load_entry_points(pm: BackcoachPluginManager, blocked: frozenset[str],
                       allowed: frozenset[str] | None = None) -> None:
    """Load third-party plugins sorted by name, each in isolation, blocked ones never imported."""
    found = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    for ep in found:
        dist = getattr(ep, "dist", None)
        record = PluginRecord(
            ep.name, "entry point", "blocked", ep.value,
            dist.version if dist else "", dist.name if dist else "")
        if ep.name in pm.records:
            record = replace(record, status="failed", error=f"name {ep.name!r} is already taken")
        elif ep.name in blocked or (allowed is not None and ep.name not in allowed):
            pm.set_blocked(ep.name)
        else:
            record = _register_entry_point(pm, ep, record)
        if record.status == "failed":
            log.error("rule plugin %s failed to load: %s", ep.name, record.error)
        pm.records.setdefault(ep.name, record)


def _register_entry_point(pm: BackcoachPluginManager, ep, record: PluginRecord) -> PluginRecord:
    try:
        plugin = ep.load()
        pm.register(plugin, name=ep.name)
    except Exception as exc:  # noqa: BLE001 - any import/registration error is recorded, not fatal
        return replace(record, status="failed", error=f"{type(exc).__name__}: {exc}")
    return replace(record, status="active", hooks=pm.hooks_of(plugin))


def plugin_records(pm: pluggy.PluginManager) -> list[PluginRecord]:
    """All known plugins: built-ins, entry points (active, blocked, failed) and any registered later."""
    records = dict(getattr(pm, "records", {}))
    for name, plugin in pm.list_name_plugin():
        if name not in records and plugin is not None:
            hooks = tuple(sorted(c.name for c in pm.get_hookcallers(plugin) or ()))
            module = getattr(plugin, "__name__", type(plugin).__name__)
            records[name] = PluginRecord(name, "registered", "active", module, hooks=hooks)
    return list(records.values())


def mark_overrun(pm: pluggy.PluginManager, name: str, problem: str, disabled: bool) -> None:
    """Record in `pm.records` that plugin `name` overran a case-hook deadline (`rules.calls`)."""
    records = getattr(pm, "records", None)
    if records is None:
        return
    record = records.get(name) or next((r for r in plugin_records(pm) if r.name == name), None)
    if record is not None:
        records[name] = replace(record, status="disabled" if disabled else record.status, error=problem)


def _own_version() -> str:
    try:
        return metadata.version("back-coach")
    except metadata.PackageNotFoundError:
        return "0+unknown"
