"""Why a condition came out as it did: evidence from the compiled IR.

Runs only for findings that fail or cannot be decided. It walks the same typed nodes
(nodes.py) the verdict was decided from, asking each closure for its value, and keeps
the parts that decided the outcome: for `and`, the false parts; for `or`, every part;
for a quantifier, the elements that failed; for a comparison, the values on each side
and where in the proposal they come from. It decides nothing anew: which elements a
quantifier or aggregate covers is `runtime.covered`'s answer, the same walk the
closures make, so an element whose `where` is unknown is never explained as covered;
what it lacks is named as missing instead.

A value is computed once per element a quantifier is explained for: while it explains,
the closures keep what they compute in `Env.record`, read back until the quantifier binds
its variable to the next element; a failing check's own value is the one deciding found.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any

from ..base.deferred import N_, joined
from ..base.span import Span
from ..graph.governance import GovernanceGraph
from ..graph.parts import Edge, Search
from ..lang import values as V
from ..lang.i18n import deferred_ngettext as ngettext  # extracted as ngettext
from ..lang.types import PERCENT
from ..proposal.model import Path, Proposal, format_path
# what explaining makes is bounded and read there (findings.py): named here too
from .findings import MAX_PARTS as MAX_PARTS
from .findings import Evidence, GraphHop, GraphTrace
from .findings import all_missing as all_missing
from .findings import bounded as bounded
from .findings import first_location as first_location
from .nodes import (
    CONSTANTS,
    MEMOISED,
    PATHS,
    And,
    Arith,
    Binder,
    Compare,
    Graph,
    Implies,
    Literal,
    Matches,
    Node,
    Not,
    Or,
    Param,
    Presence,
    Quantifier,
    Var,
    element_path,
)
from .places import located
from .runtime import Env, covered, resumed, sift

MAX_ELEMENTS = 5
#: whether an explanation reads the values the closures computed while it runs (Env.record)
#: and the check's value that deciding found, rather than computing each again (nor asks
#: the elements of an `any` found false or an `all` found true, each of which is): the same
#: evidence either way, which tests/test_engine.py holds by explaining without them too
KEEP_VALUES = True
#: whether a quantifier's body and a `where`, asked of element after element, are
#: asked of the Python asked.condition writes for them once a rule has asked them
#: before, rather than of their closures: the same answers (tests/test_engine.py
#: explains without them too)
GENERATED = True
#: the kinds of node whose value is always True, False or UNKNOWN
BOOLEAN = frozenset({Compare, And, Or, Implies, Not, Presence, Matches, Quantifier})
_NONE = object()
#: the key, with a node, of a side of a comparison worked out once a proposal (Context.memo)
_SIDE = object()
#: MEMOISED as a set of classes (none of them has subclasses)
_MEMOISED = frozenset(MEMOISED)
#: kinds of node that have no place in the proposal when they have no `loc`
_UNLOCATED: tuple[type[Node], ...] = (Var, *CONSTANTS)


class Explainer:
    def __init__(self, proposal: Proposal, lets: Mapping[str, Node],
                 static: dict[Any, Any] | None = None,
                 placed: dict[int, tuple[Span, Path]] | None = None) -> None:
        self.proposal = proposal
        self.lets = lets
        # id of each Span the evidence shows -> (the Span, the path it is the span of),
        # for places.span_path: kept a proposal
        self.placed = placed
        # what is learnt of the nodes alone, kept with the rule for its next finding
        self.static: dict[Any, Any] = {} if static is None else static
        self._problems = 0  # problems met by the current `missing` walk
        # whether an explanation made once a proposal was shown again: the evidence is
        # then a graph whose parts are shared, and as a tree may be too large (bounded)
        self.reused = False

    # ------------------------------------------------------------ values

    def value(self, node: Node, env: Env) -> Any:
        """The node's value (UNKNOWN if it cannot be computed): as a closure computed it
        while the explanation ran (Env.record), else computed now."""
        record = env.record
        fn = node.fn
        if record is not None:
            found = record.get(fn, _NONE)
            if found is not _NONE:
                return found
        try:
            value = fn(env)
        except V.EvalProblem:
            value = V.UNKNOWN
        if record is not None:
            record[fn] = value
        return value

    def shown(self, node: Node, env: Env, *, as_percent: bool = False) -> str:
        """The node's value as evidence shows it; a value that cannot be computed (an
        overflow, a division by zero) is said to be so, not shown as missing."""
        value = self.value(node, env)
        if value is V.UNKNOWN and self.problem(node, env):
            return V.UNCOMPUTABLE
        return V.display(value, as_percent=as_percent)

    def problem(self, node: Node, env: Env) -> bool:
        """Whether the node raises an EvalProblem, or is unknown because a part of it
        (a let it names included) does."""
        let = self._let(node)
        if let is not None:
            return self.problem(let, env)
        if self._raises(node, env):
            return True
        return self.value(node, env) is V.UNKNOWN and any(
            self.problem(kid, env) for kid in node.outer())

    def _let(self, node: Node) -> Node | None:
        """The node of the `let` a variable names, if it names one."""
        return self.lets.get(node.name) if node.__class__ is Var and self.lets else None

    def truth(self, node: Node, env: Env) -> Any:
        record = env.record
        if record is None:
            return V.truth(self.value(node, env))
        fn = node.fn  # a value kept: as value() reads it, without looking twice
        found = record.get(fn, _NONE)
        if found is True or found is False:
            return found
        if found is _NONE:
            try:
                found = fn(env)
            except V.EvalProblem:
                found = V.UNKNOWN
            record[fn] = found
        return V.truth(found)

    def asker(self, node: Node) -> Callable[[Env], Any]:
        """ask(env): truth(node, env), for a condition asked of one element after another
        (a quantifier's body, a `where`): from the second time the rule's findings ask
        it on, through the Python written for it (asked.condition), its answer kept
        in env.record as its closure's would be."""
        if GENERATED:  # made once a rule, once there is Python for it
            made = self.static.get(("ask", node))
            if made is not None:
                return made  # type: ignore[no-any-return]
        fn = self._generated(node) if GENERATED else None
        if fn is None:
            return lambda env: self.truth(node, env)
        key = node.fn

        def ask(env: Env) -> Any:
            try:
                result = fn(env)
            except V.EvalProblem:
                result = V.UNKNOWN
            record = env.record
            if record is not None:
                record[key] = result
            return result
        self.static[("ask", node)] = ask
        return ask

    def condition(self, node: Node) -> Callable[[Env], Any]:
        """A `for` rule's `where`, as its closure gives it (raising EvalProblem), from
        the rule's second proposal on through the Python written for it."""
        fn = self._generated(node) if GENERATED else None
        if fn is not None:
            return fn
        closure = node.fn
        return lambda env: V.truth(closure(env))

    def _generated(self, node: Node, what: str = "condition") -> Callable[..., Any] | None:
        """The Python asked.py writes for `node` (`what`: condition or sifter; None: the
        closures answer): made the second time the rule asks for it, kept with the rule.
        A check of one proposal costs less through the closures than writing it does."""
        key = (what, node)
        found = self.static.get(key)
        if found is None:  # asked for the first time
            self.static[key] = False if node.__class__ not in BOOLEAN else 0
            return None
        if found.__class__ is int:
            from . import asked, codegen
            try:
                found = getattr(asked, what)(node)[0]
            except codegen.Unwritable:
                found = False
            self.static[key] = found
        return found if callable(found) else None

    def elements(self, coll: Node, env: Env) -> tuple[Any, str | None]:
        """What a quantifier walks, or UNKNOWN; and the problem when the value is not a
        collection at all (data the loader did not check, given through the API)."""
        try:
            return V.elements(self.value(coll, env)), None
        except V.EvalProblem as problem:
            return V.UNKNOWN, str(problem)

    def span(self, node: Node, env: Env) -> Span | None:
        if node.__class__ is Var and self.lets:  # _let(), without a call
            let = self.lets.get(node.name)
            if let is not None:
                return self.span(let, env)
        if node.loc is None:
            if isinstance(node, _UNLOCATED):
                return None
            for kid in node.outer():  # an arithmetic result: its first located part
                sp = self.span(kid, env)
                if sp is not None:
                    return sp
            return None
        path = node.loc(env)
        if path is None:
            return None
        found, span = self.proposal.place_of(path)  # at(path), without two calls
        placed = self.placed
        if placed is not None:
            placed[id(span)] = span, found
        return span

    def at(self, path: Path) -> Span:
        """proposal.span_of(path), the path it is the span of kept in `placed`."""
        return located(self.placed, self.proposal, path)

    # ------------------------------------------------------------ missing data

    def missing(self, node: Node, env: Env) -> list[str]:
        """Concrete paths whose absence made `node` unknown."""
        out: list[str] = []
        self._problems = 0
        if env.record is not None or not KEEP_VALUES:
            self._missing(node, env, out)
        else:
            env.record = {}
            try:
                self._missing(node, env, out)
            finally:
                env.record = None
        return list(dict.fromkeys(out))

    def _missing(self, node: Node, env: Env, out: list[str]) -> None:
        if isinstance(node, MEMOISED) and not node.free:  # the same for every element: once
            key = ("missing", node)
            found = env.ctx.memo.get(key)
            if found is None:
                before, problems = len(out), self._problems
                self._missing_here(node, env, out)
                # each path once: a walk nested in a walk would repeat them per element
                found = env.ctx.memo[key] = (list(dict.fromkeys(out[before:])),
                                             self._problems - problems)
            else:
                out.extend(found[0])
                self._problems += found[1]
            return
        self._missing_here(node, env, out)

    def _missing_here(self, node: Node, env: Env, out: list[str]) -> None:
        if self.value(node, env) is not V.UNKNOWN:
            return
        let = self._let(node)
        if let is not None:
            self._missing(let, env, out)
            return
        if isinstance(node, PATHS):
            unknown_kids = [k for k in node.kids if self.value(k, env) is V.UNKNOWN]
            if unknown_kids:
                for kid in unknown_kids:
                    self._missing(kid, env, out)
                return
            path = node.loc(env) if node.loc else None
            out.append(self._first_missing(path) if path is not None else node.text)
            return
        before, problems = len(out), self._problems
        if isinstance(node, Binder) and node.var:
            self._missing_in_elements(node, env, out)
        else:
            for kid in node.kids:
                self._missing(kid, env, out)
        if len(out) == before and self._problems == problems \
                and not isinstance(node, CONSTANTS):
            if self._raises(node, env):  # a problem (division by zero...), not missing data
                self._problems += 1
            else:
                out.append(node.text)

    def _missing_in_elements(self, node: Binder, env: Env, out: list[str]) -> None:
        """The missing parts of a quantifier or aggregate, element by element: its
        `where` and body read the bound variable, so they are asked with it bound."""
        coll = node.kids[0]
        items, problem = self.elements(coll, env)
        if problem is not None:
            self._problems += 1
            return
        if items is V.UNKNOWN:
            self._missing(coll, env, out)
            return
        where = node.where
        rest = node.kids[2:] if where is not None else node.kids[1:]

        def undecided(item: Any) -> None:  # its `where` unknown: what it lacks is missing
            assert where is not None
            self._missing(where, env, out)
        for _ in self._covered(node, env, items, undecided):
            for kid in rest:
                self._missing(kid, env, out)

    def _covered(self, node: Binder, env: Env, items: Any, undecided: Callable[[Any], Any],
                 ask: Callable[[Env], Any] | None = None, only: list[int] | None = None
                 ) -> Generator[Any, None, None]:
        """The elements the quantifier or aggregate `node` covers, as compile.covered
        decides it, each bound with its place in the proposal; only those at the indexes
        `only`, if given (runtime.sift). `ask`: the asker of its `where`, if had already."""
        coll, where = node.coll, node.where
        raw = self.value(coll, env)
        base = coll.loc(env) if coll.loc else None
        keys = None if raw.__class__ is list else \
            list(raw.keys()) if isinstance(raw, Mapping) else None

        record = env.record

        def place(i: int, item: Any) -> tuple[Any, ...] | None:
            if record is not None:  # the variable is bound anew: what was kept is not
                record.clear()      # known to hold for it
            if only is not None:
                i = only[i]
            return element_path(coll, env, base, keys[i] if keys is not None else i, item)

        assert node.var is not None
        if where is not None and ask is None:
            ask = self.asker(where)
        walk = covered(env, node.var, items if only is None else [items[i] for i in only],
                       ask if where is not None else None, undecided, place=place)
        if record is None:
            return walk
        return _cleared(walk, record)

    def _raises(self, node: Node, env: Env) -> bool:
        """Whether `node` is unknown for a problem (division by zero...), not for want of data."""
        try:
            node.fn(env)
        except V.EvalProblem:
            return True
        return False

    def _first_missing(self, path: Path) -> str:
        for i in range(1, len(path) + 1):
            if self.proposal.lookup(path[:i]) is None:
                return format_path(path[:i])
        return format_path(path)

    # ------------------------------------------------------------ evidence

    def explain(self, node: Node, env: Env, known: Any = _NONE) -> Evidence:
        """Why `node` came out as it did; given `known`, the value that deciding found
        for it (a condition's True, False or UNKNOWN), which is not computed again."""
        if env.record is None and KEEP_VALUES:  # what the closures compute is kept
            env.record = {} if known is _NONE or node.__class__ not in BOOLEAN \
                else {node.fn: known}
            try:
                return self.explain(node, env)
            finally:
                env.record = None
        if node.__class__ in _MEMOISED and not node.free:  # the same for every element: once
            key = ("explain", node)
            found = env.ctx.memo.get(key)
            if found is None:
                found = env.ctx.memo[key] = self._explain(node, env)
            else:  # shown again: under each element of a walk around it, say (bounded)
                self.reused = True
            return found
        return self._explain(node, env)

    def _explain(self, node: Node, env: Env) -> Evidence:
        record = env.record
        if record is None:
            result = V.truth(self.value(node, env))
        else:  # truth(), without a call
            fn = node.fn
            result = record.get(fn, _NONE)
            if result is _NONE:
                try:
                    result = fn(env)
                except V.EvalProblem:
                    result = V.UNKNOWN
                record[fn] = result
            if result is not True and result is not False:
                result = V.truth(result)
        word = "true" if result is True else "false" if result is False else "unknown"
        how = _EXPLAIN.get(node.__class__)
        if how is not None:
            found = how(self, node, env, result, word)
            if found is not None:
                return found
        value = self.value(node, env)
        return Evidence(node.text, word, None, V.display(value), None, self.span(node, env),
                        None, None, self._missing_if(result, node, env))

    def _connective(self, node: Node, env: Env, result: Any, word: str) -> Evidence:
        """`and`, `or`: for `and`, the parts that decided (each part when none did);
        for `or`, every part unless it is true."""
        static = self.static
        parts = static.get(node)  # a connective's key: its parts
        if parts is None:  # the same for every proposal
            parts = static[node] = _flatten(node, type(node))
        if node.__class__ is Or and result is not True:
            kids = parts
        else:
            truth = self.truth
            kids = [k for k in parts if truth(k, env) is result] or parts
        explain = self.explain
        return Evidence(node.text, word, None, None, None, None, None, None,
                        tuple(self.missing(node, env)) if result is V.UNKNOWN else (),
                        tuple([explain(k, env) for k in kids]))

    def _implies(self, node: Node, env: Env, result: Any, word: str) -> Evidence:
        return Evidence(node.text, word, children=tuple(self.explain(k, env) for k in node.kids),
                        missing=self._missing_if(result, node, env))

    def _not(self, node: Node, env: Env, result: Any, word: str) -> Evidence:
        inner = self.explain(node.kids[0], env)
        return Evidence(node.text, word, children=(inner,), missing=inner.missing)

    def _presence(self, node: Node, env: Env, result: Any, word: str) -> Evidence:
        subject = node.kids[0]
        value = self.value(subject, env)
        where = self.span(subject, env) or self._ancestor_span(subject, env)
        place = self._place(subject, env)
        left = V.display(value)
        note = N_("{paths} is missing", paths=place) if value is V.UNKNOWN else \
            N_("{path} is {value}", path=place, value=left)
        said = self._placeholder(subject, env) if value is V.UNKNOWN else None
        if said is not None:  # read as absent: say what was written (placeholders.py)
            left = N_("the placeholder {text}", text=repr(said)) if said.strip() else N_("empty")
            note = N_("{path} is {value}", path=place, value=left)
        return Evidence(node.text, word, None, left, None, where, None, note)

    def _matches(self, node: Node, env: Env, result: Any, word: str) -> Evidence:
        subject = node.kids[0]  # the text that was tested, not the boolean it gave
        return Evidence(node.text, word, left=self.shown(subject, env),
                        left_at=self.span(subject, env),
                        missing=self._missing_if(result, node, env))

    def _graph_query(self, node: Graph, env: Env, result: Any, word: str) -> Evidence | None:
        if node.search is None:
            return None
        return self._graph(node, env, node.search, word)

    def _var(self, node: Node, env: Env, result: Any, word: str) -> Evidence | None:
        let = self._let(node)
        if let is None:
            return None
        inner = self.explain(let, env)
        return Evidence(node.text, word, children=(inner,), missing=inner.missing)

    def _missing_if(self, result: Any, node: Node, env: Env) -> tuple[str, ...]:
        return tuple(self.missing(node, env)) if result is V.UNKNOWN else ()

    def _compare(self, node: Compare, env: Env, result: Any, word: str) -> Evidence:
        left, right = node.kids
        known = self.static.get(node)
        if known is None:  # the same for every proposal: worked out once
            known = self.static[node] = self._compared(node)
        cycles, derive_left, derive_right, pct_left, pct_right, fixed = known
        note = None
        if derive_left is not None or derive_right is not None:
            note = "; ".join(self._derived(d, env) for d in (derive_left, derive_right)
                             if d is not None) or None
        lv, shown_left, left_at = self._side(left, env, pct_left)
        if fixed is not None:  # a constant: shown alike for every proposal, and nowhere
            rv, shown_right, right_at = self.value(right, env), fixed, None
        else:
            rv, shown_right, right_at = self._side(right, env, pct_right)
        if shown_left == shown_right and V.equal(lv, rv) is False:  # 12.3457% >= 12.3457%
            shown_left, shown_right = V.display_exact(lv, pct_left), V.display_exact(rv, pct_right)
        return Evidence(
            node.text, word, node.op, shown_left, shown_right, left_at, right_at, note,
            tuple(self.missing(node, env)) if word == "unknown" else (), (),
            self._cycle_trace(cycles, env) if cycles is not None else None)

    def _side(self, node: Node, env: Env, as_percent: bool) -> tuple[Any, str, Span | None]:
        """One side of a comparison: its value, as shown, and where it is (its nearest
        ancestor's place when it is missing). A side that reads no variable (`host_country`)
        is the same wherever a proposal's rules compare it: worked out once a proposal."""
        if KEEP_VALUES and not node.free:
            key = (_SIDE, node, as_percent)
            memo = env.ctx.memo
            found = memo.get(key)
            if found is None:
                found = memo[key] = self._side_here(node, env, as_percent)
            return found
        return self._side_here(node, env, as_percent)

    def _side_here(self, node: Node, env: Env, as_percent: bool) -> tuple[Any, str, Span | None]:
        value = self.value(node, env)
        return value, self._shown(node, value, env, as_percent), self.span(node, env) or (
            self._ancestor_span(node, env) if value is V.UNKNOWN else None)

    def _compared(self, node: Compare) -> tuple[Any, ...]:
        """What explaining a comparison needs of its nodes alone: the `graph.cycles` it
        compares, the derivation of each side (`share = 360000 / 3000000` for a let
        or an arithmetic operand), and whether each side is
        shown as a percent."""
        left, right = node.kids
        as_pct = node.percent
        pct_right = as_pct and right.type != PERCENT
        derive_right = self._derivable(right)
        # a literal or param on the right: its value, display and place (none) are the
        # same for every proposal, shown once worked out
        constant = right.value if isinstance(right, (Literal, Param)) else None
        fixed = V.display(constant, as_percent=pct_right) if constant is not None \
            and constant is not V.UNKNOWN and derive_right is None else None
        return (self._find_cycles(left) or self._find_cycles(right),
                self._derivable(left), derive_right,
                as_pct and left.type != PERCENT, pct_right, fixed)

    def _shown(self, node: Node, value: Any, env: Env, as_percent: bool) -> str:
        """shown(), given the node's value."""
        if value is V.UNKNOWN and self.problem(node, env):
            return V.UNCOMPUTABLE
        return V.display(value, as_percent=as_percent)

    def _derivable(self, node: Node) -> tuple[str, Node, Node, str] | None:
        """How a side is shown derived: its head, the operands and the operator."""
        target = node
        name = None
        let = self._let(node)
        if let is not None and isinstance(node, Var):
            name, target = node.name, let
        if not isinstance(target, Arith):
            return None
        a, b = target.kids
        return (f"{name} = {target.text}" if name else target.text), a, b, target.op

    def _derived(self, how: tuple[str, Node, Node, str], env: Env) -> str:
        head, a, b, op = how
        return f"{head} = {self.shown(a, env)} {op} {self.shown(b, env)}"

    def _find_cycles(self, node: Node) -> Graph | None:
        """The `graph.cycles(...)` a compared value is computed from, if any."""
        let = self._let(node)
        if let is not None:
            return self._find_cycles(let)
        if isinstance(node, Graph) and node.method == "cycles":
            return node
        for kid in node.outer():
            found = self._find_cycles(kid)
            if found is not None:
                return found
        return None

    def _cycle_trace(self, node: Graph, env: Env) -> GraphTrace | None:
        """The first loop `graph.cycles` found, edge by edge."""
        steps = node.steps
        graph = env.ctx.graph
        loops = graph.cycles(steps)
        if not loops:
            return None
        loop = loops[0]
        via = ", ".join(str(s) for s in steps) if steps else "every edge"
        hops = self._walk_hops(graph, loop)
        more = len(loops) - 1
        return GraphTrace("cycle", via, f"{len(loops)} loop" + ("s" if len(loops) != 1 else ""),
                          tuple(hops), (), more)

    def _quantifier(self, node: Quantifier, env: Env, result: Any, word: str) -> Evidence:
        coll, where, body = node.coll, node.where, node.body
        var, is_any = node.var, node.is_any
        items, problem = self.elements(coll, env)
        if problem is not None:
            return Evidence(node.text, word, note=N_("cannot be computed: {problem}",
                                                     problem=problem),
                            left_at=self.span(coll, env) or self._ancestor_span(coll, env))
        if items is V.UNKNOWN:
            return Evidence(node.text, word, note=N_("{paths} is missing", paths=coll.text),
                            missing=tuple(self.missing(coll, env)),
                            left_at=self._ancestor_span(coll, env))
        children: list[Evidence] = []
        considered = 0
        deciding = 0
        undecided: list[str] = []
        hidden: list[str] = []
        skipped_count = 0

        def skipped(item: Any) -> None:  # its `where` unknown: not covered, and why
            nonlocal skipped_count
            assert where is not None
            skipped_count += 1
            undecided.extend(self.missing(where, env))
        # `any` false: every element it covers is false; `all` true: every one is true.
        # Each decided it, and none need be asked; else each is asked in turn.
        every = KEEP_VALUES and word == ("false" if is_any else "true")
        ask = None if every else self.asker(body)
        only = total = None
        asks = self.asker(where) if where is not None else None
        if ask is not None and var is not None and KEEP_VALUES:  # those that decide, quickly
            kept, env.record = env.record, None
            stopped, env.stopped = env.stopped, None  # the decide's walk, if of this one
            start, before = resumed(stopped, items) if stopped is not None and \
                stopped[0] is node else (0, 0)
            try:
                quick = self._generated(node, "sifter") if GENERATED else None  # asked.py
                total, only = quick(env, items, word == "true", start, before) \
                    if quick is not None else sift(env, var, items, asks, ask,
                                                   lambda r: (r is True) == (word == "true"),
                                                   start, before)
            finally:
                env.record = kept
        walk = self._covered(node, env, items, skipped, asks, only)
        # each element's body is known to come to the whole's value (`every`): kept as
        # its value, as ask() keeps what it finds (a value of BOOLEAN is its truth)
        seed = env.record if ask is None and body.__class__ in BOOLEAN else None
        for item in walk:
            considered += 1
            if ask is None:
                r = result
                if seed is not None:
                    seed[body.fn] = r
                if len(children) == MAX_ELEMENTS and where is None:  # the rest are counted
                    walk.close()
                    deciding = considered = len(items)
                    break
            elif only is not None and len(children) == MAX_ELEMENTS and where is None \
                    and word != "unknown":  # the rest decide too (sift): they are counted
                walk.close()
                deciding += len(only) - considered + 1
                break
            else:
                r = ask(env)
            # the elements that decided: the true ones when the whole is true,
            # else the false and undecided ones
            if (r is True) != (word == "true"):
                continue
            deciding += 1
            if len(children) < MAX_ELEMENTS:
                children.append(_label(self.explain(body, env), f"{var} = {V.display(item)}", r))
            elif r is V.UNKNOWN and word == "unknown":  # not shown, but what it lacks is told
                hidden.extend(self.missing(body, env))
        if total is not None:
            considered = total
        notes: list[str] = []  # the engine's words: said in the reader's language (N_)
        if is_any and word == "false":
            notes.append(ngettext("no element of {collection} satisfies it ({n} considered)",
                                  "no element of {collection} satisfies it ({n} considered)",
                                  considered, collection=coll.text, n=considered))
        elif not is_any and word != "true":
            notes.append(ngettext("{n} of {total} elements of {collection} do not satisfy it",
                                  "{n} of {total} elements of {collection} do not satisfy it",
                                  deciding, n=deciding, total=considered, collection=coll.text))
        if deciding > MAX_ELEMENTS:
            notes.append(N_("the first {n} are shown", n=MAX_ELEMENTS))
        if skipped_count and word != "true":
            assert where is not None
            notes.append(ngettext(
                "for {n} element of {collection} '{where}' is unknown: not known to be covered",
                "for {n} elements of {collection} '{where}' is unknown: not known to be covered",
                skipped_count, n=skipped_count, collection=coll.text, where=where.text))
        note = (notes[0] if len(notes) == 1 else joined("; ", notes)) if notes else None
        missing = tuple(dict.fromkeys(
            [*undecided, *(m for c in children for m in c.missing), *hidden])) \
            if word == "unknown" else ()
        return Evidence(node.text, word, None, None, None, None, None, note, missing,
                        tuple(children))

    def _graph(self, node: Graph, env: Env, search: Callable[[Env, int | None], Search | None],
               word: str) -> Evidence:
        """A reachability query: the path it found, or what it reached instead and
        where it stopped, every node and edge with its place in the proposal."""
        missing = self._missing_if(self.truth(node, env), node, env)
        try:
            found = search(env, EXPLORED)
        except V.EvalProblem as problem:
            return Evidence(node.text, word, note=str(problem), missing=missing)
        if found is None:
            return Evidence(node.text, word, missing=missing)
        graph = env.ctx.graph
        steps = node.steps
        via = ", ".join(str(s) for s in steps) if steps else "every edge"
        target = node.kids[1].text
        if found.found is not None:
            trace = GraphTrace("path", via, target,
                               self._walk_hops(graph, found.path, found.start))
        else:
            hops = [self._hop(graph, found.start)]
            seen = {found.start}
            for edge in found.tree[:MAX_HOPS - 1]:  # each edge reaches a node not seen before
                ahead = edge.source if edge.target in seen else edge.target
                seen.add(ahead)
                hops.append(self._hop(graph, ahead, edge, _other_end(edge, ahead)))
            more = max(0, len(found.tree) - (MAX_HOPS - 1))
            through = node.through.text if node.through is not None else None
            trace = GraphTrace("reached", via, target, tuple(hops), found.stopped, more,
                               partial=not found.complete, through=through,
                               blocked=found.blocked, unsure=found.unsure)
        return Evidence(node.text, word, graph=trace, missing=missing)

    def _walk_hops(self, graph: GovernanceGraph, edges: Sequence[Edge], start: str | None = None
                   ) -> tuple[GraphHop, ...]:
        """The start node, then one hop per edge of a walk from it (a loop's: from its
        first node)."""
        nodes = graph.walk(edges, start)
        return (self._hop(graph, nodes[0]),
                *(self._hop(graph, ahead, edge, behind)
                  for behind, edge, ahead in zip(nodes, edges, nodes[1:])))

    def _hop(self, graph: GovernanceGraph, key: str, edge: Edge | None = None,
             came_from: str | None = None) -> GraphHop:
        info = graph.node(key)
        label = key
        at = None
        if info is not None:
            facts = [f for f in (info.summary.get("kind"), info.summary.get("country")) if f]
            if info.category == "program":
                facts = [str(info.summary.get("id"))]
            label = f"{key} ({', '.join(facts)})" if facts else key
            at = self.at(info.path)
        if edge is None:
            return GraphHop(key, label, at)
        walked = edge.kind if edge.source == came_from else f"{edge.kind}<-"
        return GraphHop(key, label, at, edge.id, walked, self.at(edge.path),
                        came_from)

    def _place(self, node: Node, env: Env) -> str:
        path = node.loc(env) if node.loc else None
        return format_path(path) if path is not None else node.text

    def _placeholder(self, node: Node, env: Env) -> str | None:
        """The placeholder text the proposal holds where `node` reads, if any."""
        path = node.loc(env) if node.loc else None
        return None if path is None else env.ctx.placeholders.get(path)

    def _ancestor_span(self, node: Node, env: Env) -> Span | None:
        path = node.loc(env) if node.loc else None
        if path is None:
            return None
        return self.at(path)


#: how each kind of node is explained, if not by its value (Explainer._explain); a
#: method giving None leaves the node to be explained by its value
_EXPLAIN: dict[type[Node], Callable[[Explainer, Any, Env, Any, str], Evidence | None]] = {
    And: Explainer._connective, Or: Explainer._connective, Implies: Explainer._implies,
    Not: Explainer._not, Compare: Explainer._compare, Presence: Explainer._presence,
    Quantifier: Explainer._quantifier, Matches: Explainer._matches,
    Graph: Explainer._graph_query, Var: Explainer._var,
}
MAX_HOPS = 12  # nodes listed when a graph search explains what it reached
#: nodes a search is followed to when explaining what it reached instead of its target:
#: the explanation of each element of a large graph then costs the same, not the graph's size
EXPLORED = 64


def _cleared(walk: Iterator[Any], record: dict[Any, Any]) -> Generator[Any, None, None]:
    """The walk of a collection, and what was kept while it bound its variable
    forgotten once it ends (it binds the variable back)."""
    try:
        yield from walk  # ended (covered restores the variable) before this one ends
    finally:
        record.clear()


def _other_end(edge: Any, key: str) -> str:
    return str(edge.target if edge.source == key else edge.source)


def _label(ev: Evidence, label: str, result: Any) -> Evidence:
    """One element of a quantifier: `org = xa-mict -> false`, then why."""
    inner = ev.children if ev.children and ev.op is None and ev.left is None else (ev,)
    return Evidence(label, "true" if result is True else "false" if result is False
                    else "unknown", None, None, None, None, None, None, ev.missing, inner)


def _flatten(node: Node, kind: type[Node]) -> list[Node]:
    """`a and b and c` as three parts, not a nest of two."""
    out: list[Node] = []
    for kid in node.kids:
        if type(kid) is kind:
            out.extend(_flatten(kid, kind))
        else:
            out.append(kid)
    return out
