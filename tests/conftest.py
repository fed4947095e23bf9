"""Shared test set-up: Hypothesis profiles, the source tree on sys.path, and a cache
folder and cache key of the session's own (cappolicy's on-disk cache, cache.py)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# The tests run from a checkout without installing the package: fall back to src/.
if importlib.util.find_spec("cappolicy") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

settings.register_profile("ci", deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True, scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests (and the processes they start) cache into a folder of their own, never
    the user's: a stale or broken entry there must not change what the tests see."""
    folder = tmp_path_factory.mktemp("cappolicy-cache")
    saved = {name: os.environ.get(name)
             for name in ("CAPPOLICY_CACHE_DIR", "CAPPOLICY_NO_CACHE", "XDG_STATE_HOME")}
    os.environ["CAPPOLICY_CACHE_DIR"] = str(folder)
    # the key the cache's entries are sealed with (cache.key_dir): the session's own too
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    os.environ.pop("CAPPOLICY_NO_CACHE", None)
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
