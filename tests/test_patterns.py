"""base/patterns.py: a pattern compiled when first used answers as the compiled one."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cappolicy.base.patterns import lazy

TEXTS = st.text(alphabet="ab -:\n\u2028", max_size=20)


@given(TEXTS, st.integers(0, 5))
def test_a_lazy_pattern_answers_as_the_compiled_one(text: str, pos: int) -> None:
    for source, flags in ((r"a+(b)?", 0), (r"^[ab]", re.MULTILINE), (r"A", re.IGNORECASE)):
        made, want = lazy(source, flags), re.compile(source, flags)
        # the first call compiles; each method, called first or later, answers alike
        for _ in range(2):
            assert _same(made.match(text, pos), want.match(text, pos))
            assert _same(made.fullmatch(text), want.fullmatch(text))
            assert _same(made.search(text, pos), want.search(text, pos))
            assert made.sub("x", text) == want.sub("x", text)
            assert made.split(text) == want.split(text)
            assert made.findall(text) == want.findall(text)
            assert [m.span() for m in made.finditer(text)] == \
                [m.span() for m in want.finditer(text)]


def test_a_lazy_pattern_is_compiled_once_and_only_when_used() -> None:
    made = lazy(r"x(")  # not a pattern: nothing is compiled until it is used
    try:
        made.search("x")
    except re.error:
        pass
    else:  # pragma: no cover
        raise AssertionError("an invalid pattern was not compiled when first used")
    good = lazy(r"b")
    assert "search" not in vars(good)
    assert good.search("ab") is not None
    assert vars(good)["search"].__self__ is vars(good)["match"].__self__  # one compile


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None
                                         and a.span() == b.span() and a.groups() == b.groups())
