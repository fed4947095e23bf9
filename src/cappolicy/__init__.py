"""cappolicy: check cyber-capacity-building proposals against host-country rulesets."""

from __future__ import annotations

__version__ = "0.1.0"
