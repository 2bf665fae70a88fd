"""The safe expression language of `when.expr`: a tiny recursive-descent parser compiled to closures.
Never Python `eval`: only the grammar below exists, names resolve only to known request attributes, and
there are no loops, so evaluation is linear in the expression's size.

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (OP sum)?            OP: == != < <= > >= in, "not in", "matches" (glob), "~" (RE2 regex)
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "%") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | STRING | true | false | null | "(" expr ")" | "[" [expr ("," expr)*] "]"
             | NAME ("." NAME)* | FUNC "(" [expr ("," expr)*] ")"

Functions: len(x), lower(x), upper(x), startswith(s, p), endswith(s, p), contains(s, p).
Semantics: an unknown attribute value is `null`; comparing `null` (or mismatched types) with `<`, `>` is
false, never an error; `and`/`or` short-circuit; `a / 0` is null. Limits: 1,000 characters, 32 levels.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from bastion.config.policy_regex import PatternError, compile_pattern

MAX_CHARS = 1000
MAX_DEPTH = 32

Getter = Callable[[Any], Any]  # facts -> value
Node = Callable[[Any], Any]


class ExprError(ValueError):
    """A syntax or name error, with the character position it was found at."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(f"{message} (at character {pos + 1})")
        self.pos = pos


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num, str, name, op, end
    value: Any
    pos: int


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|<|>|~|\(|\)|\[|\]|,|\.|\+|-|\*|/|%)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def _unquote(raw: str, pos: int) -> str:
    out: list[str] = []
    i = 1
    while i < len(raw) - 1:
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1]
            if nxt not in _ESCAPES:
                raise ExprError(f"unknown escape \\{nxt}", pos + i)
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_CHARS:
        raise ExprError(f"expression longer than {MAX_CHARS} characters", MAX_CHARS)
    tokens: list[Token] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            while text[pos].isspace():
                pos += 1
            raise ExprError(f"unexpected character {text[pos]!r}", pos)
        kind = m.lastgroup or "op"
        start = m.start(kind)
        raw = m.group(kind)
        value: Any = raw
        if kind == "num":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "str":
            value = _unquote(raw, start)
        tokens.append(Token(kind, value, start))
        pos = m.end()
    tokens.append(Token("end", None, end))
    return tokens


def _compare(op: str) -> Callable[[Any, Any], bool]:
    def ordered(fn: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
        def check(a: Any, b: Any) -> bool:
            ta, tb = type(a), type(b)
            if (ta is int or ta is float) and (tb is int or tb is float):
                return fn(a, b)
            if ta is str and tb is str:
                return fn(a, b)
            return False

        return check

    table: dict[str, Callable[[Any, Any], bool]] = {
        "==": operator.eq,
        "!=": operator.ne,
        "<": ordered(operator.lt),
        "<=": ordered(operator.le),
        ">": ordered(operator.gt),
        ">=": ordered(operator.ge),
    }
    return table[op]


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, list | tuple | frozenset | set):
        return item in container
    return False


def _glob(value: Any, pattern: Any) -> bool:
    if isinstance(pattern, list | tuple):
        return any(_glob(value, p) for p in pattern)
    return isinstance(value, str) and isinstance(pattern, str) and fnmatchcase(value, pattern)


def _arith(op: str, a: Any, b: Any) -> Any:
    num = (int, float)
    if not (isinstance(a, num) and isinstance(b, num)) or isinstance(a, bool) or isinstance(b, bool):
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            return a + b
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    return a / b if op == "/" else a % b


def _regex_match(regex: Any, value: Any) -> bool:
    return isinstance(value, str) and regex.search(value) is not None


def _str_fn(fn: Callable[[str], Any]) -> Callable[[Any], Any]:
    return lambda x: fn(x) if isinstance(x, str) else None


def _str2_fn(fn: Callable[[str, str], bool]) -> Callable[[Any, Any], Any]:
    return lambda a, b: fn(a, b) if isinstance(a, str) and isinstance(b, str) else False


def _length(x: Any) -> Any:
    return len(x) if isinstance(x, str | list | tuple | dict | frozenset | set) else None


FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "len": (1, _length),
    "lower": (1, _str_fn(str.lower)),
    "upper": (1, _str_fn(str.upper)),
    "startswith": (2, _str2_fn(str.startswith)),
    "endswith": (2, _str2_fn(str.endswith)),
    "contains": (2, _str2_fn(lambda a, b: b in a)),
}
_KEYWORDS = {"and", "or", "not", "in", "matches", "true", "false", "null"}


_NO = object()
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _against_constant(op: str, left: Node, const: Any) -> Node | None:
    """Fast paths for `attribute OP literal` (the common shape): one closure instead of three calls."""
    if op == "==":
        return lambda f: left(f) == const
    if op == "!=":
        return lambda f: left(f) != const
    kind = type(const)
    if kind is int or kind is float:
        cmp = _ORDER[op]
        return lambda f: (type(v := left(f)) is int or type(v) is float) and cmp(v, const)
    if kind is str:
        cmp = _ORDER[op]
        return lambda f: type(v := left(f)) is str and cmp(v, const)
    return None


def _constant(value: Any) -> Node:
    def node(_f: Any) -> Any:
        return value

    node.const = value  # type: ignore[attr-defined]
    return node


class Resolver:
    """Maps a dotted attribute name to a getter; unknown names are compile-time errors."""

    def __init__(self, fixed: Mapping[str, Getter], open_prefixes: Mapping[str, Callable[[str], Getter]]):
        self.fixed = fixed
        self.open_prefixes = open_prefixes

    def resolve(self, name: str) -> Getter | None:
        if name in self.fixed:
            return self.fixed[name]
        prefix, _, rest = name.partition(".")
        if rest and prefix in self.open_prefixes:
            return self.open_prefixes[prefix](rest)
        return None

    def names(self) -> list[str]:
        return sorted([*self.fixed, *(f"{p}.<name>" for p in self.open_prefixes)])


def _arith_node(op: str, left: Node, right: Node) -> Node:
    return lambda f: _arith(op, left(f), right(f))


class _Parser:
    def __init__(self, text: str, resolver: Resolver) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.resolver = resolver
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def is_(self, kind: str, value: Any = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind: str, value: Any) -> Token:
        if not self.is_(kind, value):
            raise ExprError(f"expected {value!r}, found {self._show(self.tok)}", self.tok.pos)
        return self.take()

    @staticmethod
    def _show(t: Token) -> str:
        return "end of expression" if t.kind == "end" else repr(t.value)

    def parse(self) -> Node:
        node = self.or_()
        if not self.is_("end"):
            raise ExprError(f"unexpected {self._show(self.tok)}", self.tok.pos)
        return node

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels", self.tok.pos)

    def or_(self) -> Node:
        self._nest()
        parts = [self.and_()]
        while self.is_("name", "or"):
            self.take()
            parts.append(self.and_())
        self.depth -= 1
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda f: bool(a(f)) or bool(b(f))
        return lambda f: any(bool(p(f)) for p in parts)

    def and_(self) -> Node:
        parts = [self.not_()]
        while self.is_("name", "and"):
            self.take()
            parts.append(self.not_())
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda f: bool(a(f)) and bool(b(f))
        return lambda f: all(bool(p(f)) for p in parts)

    def not_(self) -> Node:
        if self.is_("name", "not"):
            self.take()
            self._nest()
            inner = self.not_()
            self.depth -= 1
            return lambda f: not inner(f)
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        t = self.tok
        if t.kind == "op" and t.value in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            fn = _compare(t.value)
            right = self.sum_()
            const = getattr(right, "const", _NO)
            if const is not _NO:
                return _against_constant(t.value, left, const) or (lambda f: fn(left(f), const))
            return lambda f: fn(left(f), right(f))
        if t.kind == "name" and t.value == "in":
            self.take()
            right = self.sum_()
            return lambda f: _contains(right(f), left(f))
        if t.kind == "name" and t.value == "not" and self.tokens[self.i + 1].value == "in":
            self.i += 2
            right = self.sum_()
            return lambda f: not _contains(right(f), left(f))
        if t.kind == "name" and t.value == "matches":
            self.take()
            right = self.sum_()
            return lambda f: _glob(left(f), right(f))
        if t.kind == "op" and t.value == "~":
            self.take()
            pat = self.tok
            if pat.kind != "str":
                raise ExprError("'~' needs a string literal pattern on its right", pat.pos)
            self.take()
            try:
                regex = compile_pattern(pat.value)
            except PatternError as exc:
                raise ExprError(str(exc), pat.pos) from None
            return lambda f: _regex_match(regex, left(f))
        return left

    def sum_(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            op = self.take().value
            node = _arith_node(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/", "%"):
            op = self.take().value
            node = _arith_node(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.is_("op", "-"):
            self.take()
            self._nest()
            inner = self.unary()
            self.depth -= 1
            return lambda f: _arith("-", 0, inner(f))
        return self.primary()

    def primary(self) -> Node:
        t = self.take()
        if t.kind in ("num", "str"):
            return _constant(t.value)
        if t.kind == "op" and t.value == "(":
            node = self.or_()
            self.expect("op", ")")
            return node
        if t.kind == "op" and t.value == "[":
            items = self._args("]")
            return lambda f: [i(f) for i in items]
        if t.kind == "name":
            return self._name(t)
        raise ExprError(f"unexpected {self._show(t)}", t.pos)

    def _args(self, close: str) -> list[Node]:
        items: list[Node] = []
        if self.is_("op", close):
            self.take()
            return items
        while True:
            items.append(self.or_())
            if self.is_("op", ","):
                self.take()
                continue
            self.expect("op", close)
            return items

    def _name(self, t: Token) -> Node:
        literals = {"true": True, "false": False, "null": None}
        if t.value in literals:
            return _constant(literals[t.value])
        if t.value in _KEYWORDS:
            raise ExprError(f"unexpected keyword {t.value!r}", t.pos)
        if self.is_("op", "("):
            if t.value not in FUNCTIONS:
                raise ExprError(f"unknown function {t.value!r} (known: {', '.join(FUNCTIONS)})", t.pos)
            self.take()
            arity, fn = FUNCTIONS[t.value]
            args = self._args(")")
            if len(args) != arity:
                raise ExprError(f"{t.value}() takes {arity} argument(s), got {len(args)}", t.pos)
            if arity == 1:
                (a,) = args
                return lambda f: fn(a(f))
            a, b = args
            return lambda f: fn(a(f), b(f))
        parts = [t.value]
        while self.is_("op", "."):
            self.take()
            nxt = self.take()
            if nxt.kind != "name":
                raise ExprError("expected an attribute name after '.'", nxt.pos)
            parts.append(nxt.value)
        name = ".".join(parts)
        getter = self.resolver.resolve(name)
        if getter is None:
            raise ExprError(f"unknown attribute {name!r} (known: {', '.join(self.resolver.names())})", t.pos)
        return getter


def compile_expr(text: str, resolver: Resolver) -> Node:
    """A callable `facts -> value`; ExprError (with a position) when the text is not an expression."""
    if not text.strip():
        raise ExprError("empty expression", 0)
    return _Parser(text, resolver).parse()
