"""Parser events as cheap objects: libyaml's events without ruamel's Python constructors.

ruamel.yaml.clib's `CParser.get_event` builds each event by calling ruamel's event classes,
whose `__init__` chains run three Python frames per event: on a 100,000-run plan (2.4 million
events) that is more time than libyaml takes to parse the text. The C parser looks those classes
up in its module's globals on every event, so while a plan is built they are replaced by the
classes below: exceptions without slots of their own, which take any positional arguments at C
speed and keep them in `args`, in the order the C parser passes them. The hot loops of the loader
unpack `args`; other code reads the named properties.

The swap lasts only while `c_events` is held (one plan at a time, under a lock) and puts the
originals back afterwards, so other users of ruamel's C parser in the process see its own events.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any


class Event(Exception):
    """A parser event; `args` holds its fields in the C parser's order (`FIELDS`)."""

    __slots__ = ()
    FIELDS: tuple[str, ...] = ()


def _kind(name: str, fields: tuple[str, ...]) -> type[Event]:
    """An event class whose `fields` are readable by name."""
    namespace: dict[str, Any] = {"__slots__": (), "FIELDS": fields, "__doc__": f"{name}{fields}"}
    for i, field in enumerate(fields):
        namespace[field] = property(_getter(i))
    return type(name, (Event,), namespace)


def _getter(i: int) -> Callable[[Event], Any]:
    def get(self: Event) -> Any:
        return self.args[i]

    return get


_MARKS = ("start_mark", "end_mark")
_NODE = ("anchor", "ctag", "implicit")
StreamStart = _kind("StreamStart", (*_MARKS, "encoding"))
StreamEnd = _kind("StreamEnd", _MARKS)
DocumentStart = _kind("DocumentStart", (*_MARKS, "explicit", "version", "tags"))
DocumentEnd = _kind("DocumentEnd", (*_MARKS, "explicit"))
Alias = _kind("Alias", ("anchor", *_MARKS))
#: args: anchor, ctag, implicit (plain, quoted), value, start_mark, end_mark, style
Scalar = _kind("Scalar", (*_NODE, "value", *_MARKS, "style"))
#: args: anchor, ctag, implicit, start_mark, end_mark, flow_style
SequenceStart = _kind("SequenceStart", (*_NODE, *_MARKS, "flow_style"))
SequenceEnd = _kind("SequenceEnd", _MARKS)
MappingStart = _kind("MappingStart", (*_NODE, *_MARKS, "flow_style"))
MappingEnd = _kind("MappingEnd", _MARKS)

#: ruamel's event class name -> ours
_OURS: dict[str, type[Event]] = {
    "StreamStartEvent": StreamStart,
    "StreamEndEvent": StreamEnd,
    "DocumentStartEvent": DocumentStart,
    "DocumentEndEvent": DocumentEnd,
    "AliasEvent": Alias,
    "ScalarEvent": Scalar,
    "SequenceStartEvent": SequenceStart,
    "SequenceEndEvent": SequenceEnd,
    "MappingStartEvent": MappingStart,
    "MappingEndEvent": MappingEnd,
}

_LOCK = threading.Lock()


@contextlib.contextmanager
def c_events(module: Any) -> Iterator[None]:
    """While held, `module`'s (ruamel.yaml.clib's) parser makes our events instead of ruamel's."""
    with _LOCK:
        saved = {name: getattr(module, name) for name in _OURS}
        try:
            for name, ours in _OURS.items():
                setattr(module, name, ours)
            yield
        finally:
            for name, theirs in saved.items():
                setattr(module, name, theirs)


def converted(events: Iterator[Any]) -> Iterator[Event]:
    """ruamel's events (from its pure-Python parser) as ours."""
    for event in events:
        ours = _OURS[type(event).__name__]
        yield ours(*(getattr(event, field) for field in ours.FIELDS))
