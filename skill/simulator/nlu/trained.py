"""The trained models of one interaction model, trained on first use and cached on disk.

The cache key is a SHA-256 of everything training reads: the interaction model, builtins.toml,
language.toml, the source of the modules that make examples and features and train, and the
versions of Python and scikit-learn. A changed sample, synonym or line of code trains afresh;
an unchanged one loads in a fraction of a second. The cache folder is ``BACKCOACH_NLU_CACHE``,
else ``$XDG_CACHE_HOME/backcoach/nlu`` (``~/.cache/backcoach/nlu``); when it cannot be written,
the models are kept in memory only. The files hold no utterance, only what the model's samples
taught.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import sklearn
from threadpoolctl import threadpool_limits

from .classifier import TextClassifier

if TYPE_CHECKING:
    from .examples import Job
    from .features import Featurizer

#: Bumped when the pickled layout changes.
FORMAT = 1
_SOURCES = {"skill.simulator.nlu": ("classifier.py", "examples.py", "features.py", "trained.py", "variations.py",
                                    "language.toml"),
            "skill.simulator": ("text.py", "amazon_types.py", "catalogue.py")}


@dataclass
class Trained:
    """The intent classifier and the red-flag spotter of one interaction model."""

    intents: TextClassifier
    spotter: TextClassifier | None  # None: the model has no symptom and no emergency to spot
    seconds: float = 0.0


def cache_dir() -> Path:
    configured = os.environ.get("BACKCOACH_NLU_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backcoach" / "nlu"


def key(model: Mapping, builtins: Mapping) -> str:
    """The content hash of everything training reads (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT} {sys.version_info[:2]} {sklearn.__version__}".encode())
    digest.update(json.dumps(model, sort_keys=True).encode())
    digest.update(json.dumps(builtins, sort_keys=True).encode())
    for package, names in _SOURCES.items():
        for name in names:
            digest.update(resources.files(package).joinpath(name).read_bytes())
    return digest.hexdigest()


def train(jobs: Callable[[], list[Job]], featurizer: Featurizer) -> Trained:
    """Train the intent classifier and the spotter on the examples `jobs()` makes (a few seconds)."""
    started = time.perf_counter()
    models = []
    with threadpool_limits(limits=1):  # one core: small matrices, and the machine may be shared
        for examples, custom, weight in jobs():
            texts, labels = [text for text, _ in examples], [label for _, label in examples]
            if len(set(labels)) < 2:
                models.append(None)
                continue
            words, chars = featurizer.views(texts, custom=custom)
            models.append(TextClassifier(weight).fit(words, chars, labels))
    return Trained(*models, seconds=time.perf_counter() - started)


def load_or_train(model: Mapping, builtins: Mapping, featurizer: Featurizer,
                  jobs: Callable[[], list[Job]]) -> Trained:
    """The cached models of `model`, trained on `jobs()` and cached first when there are none."""
    path = cache_dir() / f"{key(model, builtins)}.pickle"
    try:
        with path.open("rb") as file:
            found = pickle.load(file)  # noqa: S301 - our own cache, written below, in the user's folder
        if isinstance(found, Trained):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    trained = train(jobs, featurizer)
    _save(path, trained)
    return trained


def _save(path: Path, trained: Trained) -> None:
    """Write atomically (a temporary file renamed), so two processes never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            pickle.dump(trained, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
    except OSError:
        pass  # a read-only cache: the models live in memory only
