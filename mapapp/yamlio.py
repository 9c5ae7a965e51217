"""YAML reading that remembers on which line each mapping starts, for error messages.

Annotation files come from contributors, so the reader is defensive: only regular files, aliases
may not expand the document beyond MAX_NODES nodes ("billion laughs"), nesting is at most
MAX_DEPTH deep, mapping keys are plain scalars, and text may not hold lone surrogates or control
characters other than tab and newline.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import InputFileError, Problem
from .inputfile import read_text_file

MAX_NODES = 200_000
MAX_DEPTH = 40
MAX_YAML_BYTES = 16 * 1024 * 1024
# C0/C1 controls except tab and newline, lone surrogates, and the non-characters U+FFFE/U+FFFF.
BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class LineDict(dict):
    """A dict from YAML that knows the 1-based line where it starts (`.line`)."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be plain text, not a list or mapping", key_node.start_mark)
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Refused(Exception):
    def __init__(self, mark, message: str):
        self.mark, self.message = mark, message


def _check_node_graph(root: yaml.Node) -> None:
    """Raise _Refused when the node graph expands beyond MAX_NODES, nests deeper than MAX_DEPTH or
    holds a scalar with forbidden characters. Shared (aliased) nodes count once per use."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] > MAX_NODES:
                raise _Refused(node.start_mark, f"aliases expand the document beyond {MAX_NODES:,} values; "
                                                f"refusing it (a 'billion laughs' YAML bomb?)")
            continue
        if depth > MAX_DEPTH:
            raise _Refused(node.start_mark, f"nested more than {MAX_DEPTH} levels deep")
        if key in size:
            continue
        if key in on_path:
            raise _Refused(node.start_mark, "a recursive alias (a value that contains itself)")
        if isinstance(node, yaml.ScalarNode):
            bad = BAD_CHARS.search(node.value)
            if bad:
                raise _Refused(node.start_mark, f"text holds the control or invalid character "
                                                f"U+{ord(bad.group()):04X}")
            size[key] = 1
            continue
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml(path: Path, display: str) -> tuple[object, list[Problem]]:
    """Return (data, problems) for a YAML file; malformed or refused YAML gives one problem with its line."""
    try:
        text = read_text_file(path, display, max_bytes=MAX_YAML_BYTES)
    except InputFileError as exc:
        return None, [Problem(display, 0, "", str(exc).removeprefix(f"{display}: "))]
    loader = None
    try:
        loader = _LineLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, []
        _check_node_graph(node)
        return loader.construct_document(node), []
    except _Refused as exc:
        return None, [Problem(display, exc.mark.line + 1 if exc.mark else 0, "", f"refused YAML: {exc.message}")]
    except RecursionError:
        return None, [Problem(display, 0, "", f"refused YAML: nested more than {MAX_DEPTH} levels deep")]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        return None, [Problem(display, line, "", f"refused YAML: the control character U+{exc.character:04X} "
                                                 f"is not allowed in YAML")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or "malformed YAML"
        return None, [Problem(display, line, "", f"malformed YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 0, "", f"malformed YAML: {exc}")]
    finally:
        if loader is not None:
            loader.dispose()
