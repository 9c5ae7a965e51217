"""YAML reading that remembers on which line each mapping starts, for error messages."""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Problem


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
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, display: str) -> tuple[object, list[Problem]]:
    """Return (data, problems) for a YAML file; malformed YAML gives one problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, 0, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(display, 0, "", f"cannot read file: {exc.strerror}")]
    try:
        return yaml.load(text, Loader=_LineLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or "malformed YAML"
        return None, [Problem(display, line, "", f"malformed YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 0, "", f"malformed YAML: {exc}")]
