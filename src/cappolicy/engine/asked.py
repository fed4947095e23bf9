"""The Python the explaining path (evidence.py) asks of one element after another,
written by codegen's writer from a rule's typed tree, as the verdicts' Python is:

- `condition(node)`: a quantifier's body or `where`, or a `for` rule's `where`, as
  True, False or UNKNOWN, its variables read from env.vars;
- `sifter(node)`: runtime.sift of a quantifier as one loop, the quick walk that finds
  the few elements of thousands an explanation shows (which then are explained one by
  one through the closures, their places and values kept).

Each is made the second time a rule asks for it (evidence.Explainer._generated) and
held to the closures' answers by tests/test_codegen.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .codegen import Writer, preamble
from .nodes import Node, Quantifier
from .runtime import MISSING, Env, restore


def condition(node: Node) -> tuple[Callable[[Env], Any], str]:
    """truth(env): `node`'s value as True, False or UNKNOWN (V.truth), its variables read
    from env.vars, raising EvalProblem where its closure does; and the source. For the
    explaining path (evidence.py), which asks a quantifier's body and `where`, and a
    `for` rule's `where`, for each element in turn; written as if in a loop, so that a
    walk of a collection that reads no variable is made once a proposal (its closure's
    Context.memo). Raises one of Unwritable when it cannot be written."""
    w, scope = _writer(node.free)
    w.emit(1, f"return {w.cond(node, scope, 1)}")
    return _compiled(w, "truth(env)", "<condition>")


def sifter(node: Quantifier
           ) -> tuple[Callable[[Env, Any, bool, int, int], tuple[int, list[int]]], str]:
    """sift(env, items, true, start, considered): runtime.sift of the quantifier `node`
    over `items` from `start` on, the covered elements whose body is True (`true`) or
    not, as one loop of Python; and the source."""
    var, body, where = node.var, node.body, node.where
    assert var is not None
    w, scope = _writer((body.free | (where.free if where is not None else frozenset()))
                       - {var})
    item = w.tmp("v")
    inner = {**scope, var: item}
    w.emit(1, f"picked, saved = [], env.vars.get({var!r}, _MISSING)")
    w.emit(1, "try:")
    w.emit(2, f"for i, {item} in enumerate(items[start:] if start else items, start):")
    for part in ((where,) if where is not None else ()) + (body,):
        w.emit(3, "try:")
        with w.block():
            w.emit(4, f"r = {w.cond(part, inner, 4)}")
        w.emit(3, "except EvalProblem: r = UNKNOWN")
        if part is where:
            w.emit(3, "if r is not True:")
            w.emit(4, "if r is not False: picked.append(i)")
            w.emit(4, "continue")
    w.emit(3, "considered += 1")
    w.emit(3, "if (r is True) is true: picked.append(i)")
    w.emit(1, "finally:")
    w.emit(2, f"_restore(env, {var!r}, saved)")
    w.emit(1, "return considered, picked")
    return _compiled(w, "sift(env, items, true, start=0, considered=0)", "<sifter>",
                     _MISSING=MISSING, _restore=restore)


def _writer(free: Iterable[str]) -> tuple[Writer, dict[str, str]]:
    """A writer of a function of `env` asked element after element (`looping`), the
    variables `free` read from env.vars into locals first; and those locals."""
    w = Writer()
    w.function()
    w.looping += 1
    scope = {name: f"var{n}" for n, name in enumerate(sorted(free))}
    for name, local in scope.items():
        w.emit(1, f"{local} = env.vars[{name!r}]")
    return w, scope


def _compiled(w: Writer, signature: str, file: str, **extra: Any) -> tuple[Any, str]:
    """The function `signature` names, `w`'s lines its body, compiled; and its source."""
    source = "\n".join([f"def {signature}:", "    ctx = env.ctx",
                        *("    " + line for line in preamble(w.targets) + w.prelude),
                        *w.lines, ""])
    namespace = {**w.consts, **extra}
    exec(compile(source, file, "exec"), namespace)  # noqa: S102 - our own source
    return namespace[signature[:signature.index("(")]], source
