"""Read a council's YAML files (dataset.yaml, parameters, import mappings) in bounded memory.

PyYAML's safe loader still expands aliases: a 500-byte file of nested aliases ("billion laughs")
grows past gigabytes. Our files never need aliases, so a file that uses one is refused, and a
file larger than `MAX_YAML_BYTES` is refused before it is parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_YAML_BYTES", "YAMLProblem", "load_yaml", "loads_yaml"]

#: The largest YAML file read (1 MiB): a dataset.yaml or parameters file is a few hundred bytes.
MAX_YAML_BYTES = 1 << 20


class YAMLProblem(ValueError):
    """A YAML text that cannot be read: not YAML, too large, or using aliases."""


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (`*name`) so that nothing expands."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            mark = self.peek_event().start_mark
            raise YAMLProblem(
                f"line {mark.line + 1}: uses a YAML alias (*name); aliases are not allowed here, "
                "write the value out in full"
            )
        return super().compose_node(parent, index)


def loads_yaml(text: str) -> Any:
    """Parse YAML text safely: no aliases, no Python objects; YAMLProblem says what is wrong."""
    if len(text.encode("utf-8", "replace")) > MAX_YAML_BYTES:
        raise YAMLProblem(f"larger than {MAX_YAML_BYTES // 1024} KiB; this is not a settings file")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except YAMLProblem:
        raise
    except yaml.YAMLError as exc:
        raise YAMLProblem(f"not valid YAML ({' '.join(str(exc).split())})") from None
    except RecursionError:
        raise YAMLProblem("nested too deeply to be a settings file") from None


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file safely in bounded memory (at most `MAX_YAML_BYTES` are read)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
    except IsADirectoryError:
        raise YAMLProblem("is a folder, not a file") from None
    if len(data) > MAX_YAML_BYTES:
        raise YAMLProblem(f"larger than {MAX_YAML_BYTES // 1024} KiB; this is not a settings file")
    text = data.decode("utf-8-sig", errors="replace")
    return loads_yaml(text)
