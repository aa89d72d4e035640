"""Edit a JSON document in place: add or remove one member or element, leave every other byte alone.

Settings files are written by people and by other tools; rewriting them through ``json.dumps`` would
reorder nothing but still reflow every compact array and change indentation, line endings and escapes
in parts tokledger has no business touching. :func:`parse` records the text span of every value, and
the edit functions splice new text in (or cut a span out) and return the new document:

- a new member or element goes after the last one, on its own line at the same indentation when the
  container is laid out one child per line, or inline after ``, `` when it is on one line;
- an empty container gets the file's indentation unit (detected from the document: spaces or a tab;
  two spaces when nothing is indented) and its own line ending (``\\r\\n`` when the file uses it);
- removing a child takes its separating comma and whitespace with it.

Strings, numbers and literals are decoded by :mod:`json` (``raw_decode``), so what is accepted is
exactly JSON; duplicate keys are kept as they are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile("[ \t\r\n\ufeff]*")  # a byte-order mark is kept as it is, like whitespace
_INDENT = re.compile(r"[ \t]*")
_decoder = json.JSONDecoder()


class JSONEditError(ValueError):
    """The text is not a JSON document (the message gives the line and column)."""


@dataclass
class Node:
    kind: str  # "object" | "array" | "value"
    start: int
    end: int
    value: Any = None
    keys: list[str] = field(default_factory=list)
    key_starts: list[int] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        """The last member named ``key`` (JSON parsers keep the last of duplicate keys)."""
        for name, child in zip(reversed(self.keys), reversed(self.children), strict=True):
            if name == key:
                return child
        return None

    def index(self, key: str) -> int:
        return len(self.keys) - 1 - self.keys[::-1].index(key)


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line} column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _value(text: str, pos: int) -> Node:
    pos = _skip(text, pos)
    if pos >= len(text):
        raise JSONEditError(f"unexpected end of the document at {_where(text, pos)}")
    if text[pos] == "{":
        node, pos = Node("object", pos, pos), _skip(text, pos + 1)
        if text.startswith("}", pos):
            node.end = pos + 1
            return node
        while True:
            if not text.startswith('"', pos):
                raise JSONEditError(f"expected a key at {_where(text, pos)}")
            key, after = _decoder.raw_decode(text, pos)
            colon = _skip(text, after)
            if not text.startswith(":", colon):
                raise JSONEditError(f"expected ':' at {_where(text, colon)}")
            child = _value(text, colon + 1)
            node.keys.append(key)
            node.key_starts.append(pos)
            node.children.append(child)
            pos = _skip(text, child.end)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("}", pos):
                node.end = pos + 1
                return node
            else:
                raise JSONEditError(f"expected ',' or '}}' at {_where(text, pos)}")
    if text[pos] == "[":
        node, pos = Node("array", pos, pos), _skip(text, pos + 1)
        if text.startswith("]", pos):
            node.end = pos + 1
            return node
        while True:
            child = _value(text, pos)
            node.children.append(child)
            node.key_starts.append(child.start)
            pos = _skip(text, child.end)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("]", pos):
                node.end = pos + 1
                return node
            else:
                raise JSONEditError(f"expected ',' or ']' at {_where(text, pos)}")
    try:
        value, end = _decoder.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise JSONEditError(f"not a JSON value at {_where(text, pos)}") from None
    return Node("value", pos, end, value)


def parse(text: str) -> Node:
    root = _value(text, 0)
    if _skip(text, root.end) != len(text):
        raise JSONEditError(f"unexpected text after the document at {_where(text, _skip(text, root.end))}")
    return root


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    return _INDENT.match(text, start).group()


def indent_unit(text: str) -> str:
    """The document's indentation step: the first indented line's leading whitespace, else two spaces."""
    for line in text.splitlines()[1:]:
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if lead and line.strip():
            return lead
    return "  "


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _dump(value: Any, unit: str, base: str, newline: str, compact: bool) -> str:
    if compact:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return json.dumps(value, ensure_ascii=False, indent=unit).replace("\n", newline + base)


def _add(text: str, node: Node, piece_for) -> str:
    unit, newline = indent_unit(text), _newline(text)
    if not node.children:
        multiline = "\n" in text
        base = _line_indent(text, node.start)
        if not multiline:
            return text[: node.start + 1] + piece_for(unit, "", newline, True) + text[node.end - 1 :]
        inner = base + unit
        body = newline + inner + piece_for(unit, inner, newline, False) + newline + base
        return text[: node.start + 1] + body + text[node.end - 1 :]
    last = node.children[-1]
    first_start = node.key_starts[0]
    if "\n" in text[node.start : first_start]:
        inner = _line_indent(text, node.key_starts[-1])
        piece = "," + newline + inner + piece_for(unit, inner, newline, False)
    else:
        piece = ", " + piece_for(unit, "", newline, True)
    return text[: last.end] + piece + text[last.end :]


def add_member(text: str, obj: Node, key: str, value: Any) -> str:
    """``text`` with ``"key": value`` appended to the object ``obj`` (a node of ``parse(text)``)."""
    name = json.dumps(key, ensure_ascii=False)
    return _add(text, obj, lambda unit, base, nl, compact: f"{name}: {_dump(value, unit, base, nl, compact)}")


def add_element(text: str, array: Node, value: Any) -> str:
    """``text`` with ``value`` appended to ``array``."""
    return _add(text, array, lambda unit, base, nl, compact: _dump(value, unit, base, nl, compact))


def remove_child(text: str, node: Node, index: int) -> str:
    """``text`` without the ``index``-th member or element of ``node``, and its separator."""
    starts, children = node.key_starts, node.children
    if len(children) == 1:
        return text[: node.start + 1] + text[node.end - 1 :]
    if index < len(children) - 1:
        return text[: starts[index]] + text[starts[index + 1] :]
    return text[: children[index - 1].end] + text[children[index].end :]
