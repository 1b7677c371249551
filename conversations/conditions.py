"""The condition language of service definitions: a safe, tiny expression language.

A condition reads like `age >= 18 and area(postcode) == "in"`. It is parsed with
Python's own parser, but only these forms are allowed: field names from the data
dictionary, string/number/boolean literals and lists of them, comparisons
(`== != < <= > >= in not in`), `and`, `or`, `not`, and the function `area(field)`,
which gives "in", "boundary" or "out" for a postcode against the service's area.
Nothing else (attributes, calls to other names, subscripts, lambdas) is accepted,
so a definition can never run code.

A field that was not asked (skipped by branching) or not answered is not known:
a comparison with it is not known, `not` of that is still not known, and only a
condition that is known to be true fires (three-valued logic).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

AreaLookup = Callable[[str], str]

UNKNOWN = "unknown"
"""The stored value of an answer the person could not give ("not sure", or left
unanswered after re-asks). A comparison with it is not known, as with an unasked field;
screening then never refuses on it (see conversations/screening.py)."""

_COMPARATORS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
    ast.In: lambda a, b: _contains(b, a),
    ast.NotIn: lambda a, b: not _contains(b, a),
}


class ConditionError(ValueError):
    """A condition that cannot be parsed or uses something the language does not allow."""


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, list | tuple | set | frozenset):
        return item in container
    if isinstance(container, str) and isinstance(item, str):
        return item == container
    return False


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its source text, the fields it reads, and its syntax tree."""

    source: str
    fields: frozenset[str]
    tree: ast.expr

    def evaluate(self, answers: Mapping[str, Any], area: AreaLookup | None = None) -> bool:
        """True when the condition holds for `answers` (unknown fields are None)."""
        return self.truth(answers, area) is True

    def truth(self, answers: Mapping[str, Any], area: AreaLookup | None = None) -> bool | None:
        """True, False, or None when it turns on a field that is not known."""
        return _truth(_eval(self.tree, answers, area))

    def reads_unknown(self, answers: Mapping[str, Any]) -> bool:
        """True when a field this condition reads was answered "not sure" (UNKNOWN)."""
        return any(answers.get(name) == UNKNOWN for name in self.fields)


def parse_condition(source: str) -> Condition:
    """Parse and check `source`; raise ConditionError naming what is not allowed."""
    if not isinstance(source, str) or not source.strip():
        raise ConditionError("a condition must be a non-empty string")
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConditionError(f"cannot parse condition {source!r}: {exc.msg}") from None
    fields: set[str] = set()
    _check(tree, fields)
    return Condition(source=source.strip(), fields=frozenset(fields), tree=tree)


def _check(node: ast.AST, fields: set[str]) -> None:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And | ast.Or):
        for value in node.values:
            _check(value, fields)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, fields)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARATORS:
                raise ConditionError(f"operator {type(op).__name__} is not allowed")
        _check(node.left, fields)
        for comparator in node.comparators:
            _check(comparator, fields)
    elif isinstance(node, ast.Name):
        if node.id in ("true", "false", "True", "False"):
            return
        fields.add(node.id)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float | bool) and node.value is not None:
            raise ConditionError(f"literal {node.value!r} is not allowed")
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                raise ConditionError("lists may hold only literals")
            _check(element, fields)
    elif isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id == "area"):
            raise ConditionError("the only function allowed is area(field)")
        if len(node.args) != 1 or node.keywords or not isinstance(node.args[0], ast.Name):
            raise ConditionError("area() takes one field name, e.g. area(postcode)")
        fields.add(node.args[0].id)
    else:
        raise ConditionError(f"{type(node).__name__} is not allowed in a condition")


_NAMED_CONSTANTS = {"true": True, "false": False}


def _truth(value: Any) -> bool | None:
    """Three-valued truth: None (not known) stays None."""
    return None if value is None else bool(value)


def _eval(node: ast.AST, answers: Mapping[str, Any], area: AreaLookup | None) -> Any:
    # Kleene's three-valued logic: a condition about an unanswered field is not known
    # (None), `not` of unknown is unknown, and only a condition that is True fires.
    if isinstance(node, ast.BoolOp):
        results = [_truth(_eval(value, answers, area)) for value in node.values]
        decisive = isinstance(node.op, ast.Or)  # True decides `or`; False decides `and`
        if decisive in results:
            return decisive
        return None if None in results else not decisive
    if isinstance(node, ast.UnaryOp):
        operand = _truth(_eval(node.operand, answers, area))
        return None if operand is None else not operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, answers, area)
        for op, comparator_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator_node, answers, area)
            if left is None or right is None:
                return None
            try:
                if not _COMPARATORS[type(op)](left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        lowered = node.id.lower()
        if lowered in _NAMED_CONSTANTS and node.id not in answers:
            return _NAMED_CONSTANTS[lowered]
        value = answers.get(node.id)
        return None if value == UNKNOWN else value
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(element, answers, area) for element in node.elts]
    if isinstance(node, ast.Call):
        assert isinstance(node.args[0], ast.Name)
        name = node.args[0].id
        postcode = answers.get(name)
        if postcode is None or postcode == UNKNOWN or area is None:
            return None
        return area_answer(area(str(postcode)), answers.get(council_field(name)))
    raise ConditionError(f"{type(node).__name__} is not allowed in a condition")


def council_field(postcode_field: str) -> str:
    """The field that stores the answer to "Is your council ...?" for a postcode field."""
    return f"{postcode_field}_council"


def area_answer(match: str, council: Any) -> str:
    """Where a postcode lies, once the person (or the postcode service) said whose it is.

    A postcode listed inside or out of the area decides alone. One on the boundary, or
    not listed at all, is decided by the council answer: yes is "in", no is "out", and
    not sure (or not yet asked) stays "boundary", which a person checks.
    """
    if match != "boundary":
        return match
    if council is True:
        return "in"
    if council is False:
        return "out"
    return "boundary"
