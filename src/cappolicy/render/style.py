"""Terminal colour for the human formats: SGR escape sequences, written here so that
rendering needs no command-line library (click belongs to the cli stage).

`style` gives the bytes click's `style` gives for the same arguments, so reports are
unchanged: each attribute given turns on (True) or off (False), None leaves it alone;
a reset ends the text."""

from __future__ import annotations

_COLOURS = {"black": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35,
            "cyan": 36, "white": 37, "reset": 39}
_RESET = "\033[0m"


def style(text: str, fg: str | None = None, bold: bool | None = None,
          dim: bool | None = None) -> str:
    """`text` in colour `fg` (a name of _COLOURS, or "bright_" and one), bold and/or dim."""
    bits = []
    if fg is not None:
        bright = fg.startswith("bright_")
        code = _COLOURS[fg.removeprefix("bright_")] + (60 if bright else 0)
        bits.append(f"\033[{code}m")
    if bold is not None:
        bits.append(f"\033[{1 if bold else 22}m")
    if dim is not None:
        bits.append(f"\033[{2 if dim else 22}m")
    return "".join(bits) + text + _RESET
