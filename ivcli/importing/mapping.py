"""Saved header mappings: which ``--map`` options a file's headers need, kept under a name.

A council sends the same export every month. ``--map ... --save-map council`` keeps the file's
headers and the maps given for them; ``--mapping council`` uses them again; and a file whose
headers are the saved headers exactly (the same set, matched as headers always are: ignoring
case, spaces and punctuation) uses them without being asked; ``--map`` adds to a saved mapping
and wins over its map of the same header. The
database side (the ``import_mappings`` table) is ``ivcli.stored_mappings``; this module only
decides, for the headers of the file at hand, which maps apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ivcli.errors import InvalidInput
from ivcli.importing.csvfile import header_key

# The imports a mapping can belong to: the name shown in `ivcli mappings` and the command.
KINDS = {"referral": "referral import", "volunteer": "volunteer import",
         "visit": "visit import"}


@dataclass(frozen=True)
class SavedMapping:
    name: str
    kind: str  # a key of KINDS
    headers: tuple[str, ...]  # the file's headers when it was saved
    maps: tuple[tuple[str, str], ...]  # (their header, field), as --map "Header=field"

    def options(self) -> list[str]:
        return [f"{header}={target}" for header, target in self.maps]


def header_set(headers: Sequence[str]) -> frozenset[str]:
    """The headers as the automatic match compares them."""
    return frozenset(k for k in map(header_key, headers) if k)


@dataclass
class HeaderChoice:
    """How one import's headers are mapped: the ``--map`` options, a saved mapping named with
    ``--mapping``, the saved mappings of this kind of import (for the automatic match) and
    ``--save-map``. ``resolve`` is called with the file's headers; afterwards ``used`` names the
    saved mapping that applied (None: none) and ``to_save`` is what ``--save-map`` keeps."""

    kind: str
    maps: Sequence[str] = ()
    saved: Sequence[SavedMapping] = ()
    mapping: str | None = None
    save_as: str | None = None
    used: str | None = None
    automatic: bool = False
    to_save: SavedMapping | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.save_as is not None and not (self.maps or self.mapping):
            raise InvalidInput(
                f"--save-map {self.save_as!r}: there is nothing to save without --map",
                hint='give the columns to map: --map "Their Header=field" --save-map NAME')
        if self.mapping is not None:
            self.named(self.mapping)  # an unknown name is refused before the file is read

    def named(self, name: str) -> SavedMapping:
        for m in self.saved:
            if m.name == name:
                return m
        names = ", ".join(repr(m.name) for m in self.saved)
        raise InvalidInput(
            f"there is no saved {self.kind} mapping {name!r}",
            hint=(f"saved {self.kind} mappings: {names}" if names
                  else f"no {self.kind} mapping is saved yet; save one with --map ... "
                  "--save-map NAME") + " ('ivcli mappings' lists them)")

    def resolve(self, headers: Sequence[str]) -> list[str]:
        """The ``--map`` options to read the file with headers ``headers``: the saved
        mapping's (named, or else the one whose headers match these exactly), then ``--map``,
        which wins over a saved map of the same header."""
        base: SavedMapping | None = None
        if self.mapping is not None:
            base = self.named(self.mapping)
        else:
            wanted = header_set(headers)
            base = next((m for m in self.saved if header_set(m.headers) == wanted), None)
            self.automatic = base is not None
        self.used = base.name if base else None
        options = [*(base.options() if base else ()), *self.maps]
        if self.save_as is not None:
            self.to_save = SavedMapping(self.save_as, self.kind,
                                        tuple(h for h in headers if h.strip()),
                                        _pairs(options, headers))
        return options


def _pairs(options: Sequence[str], headers: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``options`` as (header, field), the last word on a header winning, each header written
    as the file has it."""
    spelled = {header_key(h): h.strip() for h in headers}
    out: dict[str, tuple[str, str]] = {}
    for item in options:
        header, _, target = item.rpartition("=")
        key = header_key(header)
        out[key] = (spelled.get(key, header.strip()), target.strip())
    return tuple(out.values())


def summary(choice: HeaderChoice | None, *, dry_run: bool) -> list[str]:
    """The lines an import's summary gains from its mapping."""
    if choice is None:
        return []
    lines = []
    if choice.used:
        how = " (its headers match the file's)" if choice.automatic else ""
        lines.append(f"Used saved mapping {choice.used!r}{how}.")
    if choice.to_save is not None:
        lines.append(f"Mapping {choice.to_save.name!r} not saved (dry run)." if dry_run
                     else f"Saved mapping {choice.to_save.name!r}: the next file with these "
                     "headers is imported with it, no flags needed.")
    return lines


def describe(maps: Mapping[str, str] | Sequence[tuple[str, str]]) -> str:
    pairs = maps.items() if isinstance(maps, Mapping) else maps
    return "; ".join(f"{h}={f}" for h, f in pairs)
