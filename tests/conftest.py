"""Shared test set-up: Hypothesis profiles, and the source tree on sys.path."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from hypothesis import settings

# The tests run from a checkout without installing the package: fall back to src/.
if importlib.util.find_spec("cappolicy") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

settings.register_profile("ci", deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
