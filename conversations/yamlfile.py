"""YAML loading that remembers line numbers, so every definition error names its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DefinitionError(ValueError):
    """A definition file is broken: the message is `file:line: what is wrong`."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


class LinedDict(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LinedList(list[Any]):
    """A YAML sequence that knows the line of each item."""

    line: int
    item_lines: list[int]


def _convert(node: yaml.Node, path: Path) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = LinedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path)
            if not isinstance(key, str):
                raise DefinitionError(path, key_node.start_mark.line + 1, "keys must be text")
            if key in mapping:
                raise DefinitionError(path, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            mapping[key] = _convert(value_node, path)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        sequence = LinedList(_convert(item, path) for item in node.value)
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
        return sequence
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load_yaml(path: Path) -> LinedDict:
    """Parse `path` into LinedDicts; raise DefinitionError with the line on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(path, None, f"cannot read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        context = ""
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            context = f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise DefinitionError(path, line, f"not valid YAML: {exc.problem}{context}") from None
    if node is None:
        raise DefinitionError(path, 1, "the file is empty")
    data = _convert(node, path)
    if not isinstance(data, LinedDict):
        raise DefinitionError(path, 1, "the file must be a mapping of keys to values")
    return data
