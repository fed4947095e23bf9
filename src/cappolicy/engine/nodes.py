"""The typed form of a compiled expression: one frozen class per kind of node.

The compiler (compile.py) makes one node per expression of a rule: its type, its
children, the closure `fn(env)` computing its value (the reference meaning of the
construct, which the explanation reads and generated code is tested against), `loc(env)`
giving the place in the proposal a path expression reads, and the data its kind needs,
as typed fields (a comparison's operator, a quantifier's variable and parts...). Code
generation (codegen.py), explanation (evidence.py) and lint dispatch on the class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar, dataclass_transform, overload

from ..graph.parts import Search, Step
from ..lang import ast
from ..lang.types import Type
from ..lang.unparse import unparse
from .runtime import Env, Fn

Loc = Callable[[Env], "tuple[Any, ...] | None"]
#: where in the proposal one element of a collection a graph query gives is
ElementPath = Callable[[Env, Any], "tuple[Any, ...] | None"]


T = TypeVar("T")


class once(Generic[T]):
    """A property computed when first read and kept in the node's `__dict__`, where later
    reads find it: functools.cached_property without the lock it takes (in Python 3.11) at
    each first read, a thousand of them when a ruleset compiles. Nodes are made and read in
    one thread."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> once[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object, owner: type | None = None) -> T | once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass_transform(frozen_default=True, eq_default=False)
class _Frozen:
    """What makes a node class frozen, for the type checker: each class's annotated
    fields (after those of the classes it extends) are arguments of its `__init__`."""

    __slots__ = ()


class FrozenNodeError(AttributeError):
    """A field of a node was set or deleted: nodes are frozen."""


# The classes are made when cappolicy starts, by the thousand for a check: plain classes
# (no code written and compiled for each as attrs does), one `__init__` for them all. Nodes
# are compared by identity; a class's own fields, after Node's, are keywords of `__init__`
# whose defaults are given in the class body. Without slots, a property kept once
# computed (`once`) needs no help.
class Node(_Frozen):
    """What every kind of node has: the expression it was compiled from, its type, its
    closure, its children (in the order they are evaluated) and, for a path into the
    proposal, where it reads."""

    #: the fields classes add to Node's, with their defaults
    MORE: ClassVar[dict[str, Any]] = {}

    expr: ast.Expr
    type: Type
    fn: Fn
    kids: tuple[Node, ...] = ()
    loc: Loc | None = None
    given_text: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        more = dict(cls.MORE)
        for name in cls.__dict__.get("__annotations__", {}):
            if name not in cls.__dict__:
                raise TypeError(f"{cls.__name__}.{name}: a node's own field needs a default")
            more[name] = cls.__dict__[name]
        cls.MORE = more

    def __init__(self, expr: ast.Expr, type: Type, fn: Fn, kids: tuple[Node, ...] = (),
                 loc: Loc | None = None, given_text: str = "", **more: Any) -> None:
        own = self.__dict__
        own["expr"] = expr
        own["type"] = type
        own["fn"] = fn
        own["kids"] = kids
        own["loc"] = loc
        own["given_text"] = given_text
        defaults = self.MORE
        own.update(defaults)
        if more:
            if not defaults.keys() >= more.keys():  # no set made when all is well
                unknown = ", ".join(sorted(more.keys() - defaults.keys()))
                raise TypeError(f"{self.__class__.__name__} has no field {unknown}")
            own.update(more)

    def __repr__(self) -> str:
        return (f"{self.__class__.__qualname__}(expr={self.expr!r}, type={self.type!r}, "
                f"fn={self.fn!r}, kids={self.kids!r}, loc={self.loc!r}, "
                f"given_text={self.given_text!r})")

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenNodeError(f"{self.__class__.__name__} is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise FrozenNodeError(f"{self.__class__.__name__} is frozen: cannot delete {name}")

    @once
    def free(self) -> frozenset[str]:
        """The variables the node's value depends on (bound outside it): none means it
        has one value per proposal, however often a rule asks for it."""
        return frozenset().union(*(k.free for k in self.kids))

    @once
    def text(self) -> str:
        """The expression as the rule writes it (canonical layout), made when first read:
        most nodes' text is only shown in evidence or in an error."""
        return self.given_text or unparse(self.expr)

    def outer(self) -> tuple[Node, ...]:
        """The kids that can be evaluated outside the node: not the parts of a
        quantifier, aggregate or node condition that read its bound variable."""
        return self.kids


# ---------------------------------------------------------------- leaves


class Literal(Node):
    """A constant of the rule: a literal, a set of literals, an enumeration word."""

    value: Any = None


class Param(Node):
    """A param of the ruleset, a constant once the effective ruleset settles it."""

    name: str = ""
    value: Any = None


class Var(Node):
    """A variable: bound by `for`, a quantifier or aggregate, a node condition, or a `let`;
    or, `defined`, a definition read where the lets are not yet computed (a `for` clause,
    another definition): its value is the definition's own closure's, once a proposal."""

    name: str = ""
    defined: bool = False

    @once
    def free(self) -> frozenset[str]:
        return frozenset() if self.defined else frozenset((self.name,))


class Root(Node):
    """A top-level field of the proposal (`host_country`)."""

    name: str = ""


class Builtin(Node):
    """A name the language defines: `as_of`, `graph`, `program`."""

    name: str = ""


class Error(Node):
    """An expression the compiler refused (its diagnostic is reported): always unknown."""


# ---------------------------------------------------------------- paths


class Attr(Node):
    """`obj.name` on a record."""

    name: str = ""


class Deref(Node):
    """`ref.field` through a reference: the field of the element the id names."""

    target: str = ""
    field: str = ""


class Index(Node):
    """`obj[key]`."""


# ---------------------------------------------------------------- operators


class Not(Node):
    pass


class Neg(Node):
    pass


class Connective(Node):
    """`and`, `or`, `implies`: the left operand, then the right when it does not decide."""


class And(Connective):
    pass


class Or(Connective):
    pass


class Implies(Connective):
    pass


class Compare(Node):
    """A comparison (`==` ... `>=`) or a membership test (`in`, `not in`)."""

    op: str = ""
    #: a percent on either side: the values are compared as fractions
    percent: bool = False
    #: the currency of a money literal or param compared with the proposal's amounts, which
    #: are compared only when funding.currency is the same (values.same_currency); "" when
    #: the money value is computed (a let, `cap * 2`, `min([cap, ...])`) and its currency
    #: is known only at run time (values.compare_money)
    currency: str | None = None


class Arith(Node):
    """`+ - * /`."""

    op: str = ""
    #: an amount over an amount, which reads as a percentage
    share: bool = False


class Matches(Node):
    """`subject matches "pattern"`, the pattern compiled (RE2)."""

    regex: Any = None  # the compiled pattern (regex.Pattern)


class Presence(Node):
    """`x present` (`present` True) or `x absent`."""

    present: bool = True


# ---------------------------------------------------------------- collections


class Binder(Node):
    """A quantifier or an aggregate: a collection, then parts that read `var`, bound
    to each element in turn (compile.covered walks them)."""

    var: str | None = None
    where: Node | None = None

    @property
    def coll(self) -> Node:
        return self.kids[0]

    @once
    def free(self) -> frozenset[str]:
        if self.var is None:
            return frozenset().union(*(k.free for k in self.kids))
        inner = frozenset().union(*(k.free for k in self.kids[1:])) - {self.var}
        return self.kids[0].free | inner

    def outer(self) -> tuple[Node, ...]:
        return self.kids[:1] if self.var else self.kids


class Quantifier(Binder):
    """`any`/`all var in coll where ...: body`."""

    is_any: bool = False

    @property
    def body(self) -> Node:
        return self.kids[-1]


class Aggregate(Binder):
    """count, sum, min, max, union over a collection (`kind`), optionally of a value
    per element and of the elements a `where` selects."""

    kind: str = ""
    value: Node | None = None


class SetNode(Node):
    """A set literal with a part that is not constant."""


class ListNode(Node):
    """A list literal."""


class Call(Node):
    """A builtin function (builtins.py) of one argument."""

    func: str = ""
    op: Callable[[Any], Any] | None = None


# ---------------------------------------------------------------- graph queries


class Graph(Node):
    """A method of the governance graph (graphquery.py). Its value is a list of nodes,
    of edges, of loops, or whether a node is reachable."""

    method: str = ""
    #: the `via:` edge kinds as graph.Step, None for every edge forwards
    steps: tuple[Step, ...] | None = None
    #: where an element of the result is in the proposal
    element_path: ElementPath | None = None
    #: reaches/path: the Search from the node (what explains it), given a limit
    search: Callable[[Env, int | None], Search | None] | None = None
    #: reaches/path: the `through:` node condition, if given
    through: Node | None = None


class Kinds(Node):
    """A `kind:` argument given as an expression: a set of texts."""


class GraphNode(Node):
    """An argument naming a node of the graph; its value is the node's key."""


class Condition(Node):
    """`n -> ...`, a node condition: its value is a test of a node's key."""

    var: str = ""

    @once
    def free(self) -> frozenset[str]:
        return frozenset().union(*(k.free for k in self.kids)) - {self.var}

    def outer(self) -> tuple[Node, ...]:
        return ()


#: kinds of node worth computing once per proposal when they read no variable: each
#: walks a collection or the graph, and a `for` rule (or a quantifier) asks again per element
MEMOISED: tuple[type[Node], ...] = (Quantifier, Aggregate, Graph)

#: kinds of node that read a place in the proposal (and say where, through `loc`)
PATHS: tuple[type[Node], ...] = (Root, Attr, Index, Deref, Var)

#: kinds of node whose value is the same for every proposal
CONSTANTS: tuple[type[Node], ...] = (Literal, Param, Builtin)


def replace(node: N, **changes: Any) -> N:
    """A copy of `node` with the fields `changes` names given new values (as attrs.evolve)."""
    values = {name: value for name, value in node.__dict__.items()
              if name in _BASE or name in node.MORE}
    values.update(changes)
    made: N = node.__class__(**values)
    return made


_BASE = frozenset(("expr", "type", "fn", "kids", "loc", "given_text"))
N = TypeVar("N", bound=Node)


def outer_kids(node: Node) -> tuple[Node, ...]:
    """The kids of `node` that can be evaluated outside it (Node.outer)."""
    return node.outer()


def element_path(coll: Node, env: Env, base: tuple[Any, ...] | None, step: Any,
                 item: Any) -> tuple[Any, ...] | None:
    """Where in the proposal one element of a collection is: its place in the
    list, or for graph nodes and edges the element or field that made them."""
    own = coll.element_path if isinstance(coll, Graph) else None
    if own is not None:
        return own(env, item)
    return base + (step,) if base is not None else None
