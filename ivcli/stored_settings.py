"""Reading and changing settings stored in the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import text

from ivcli.errors import InvalidInput
from ivcli.settings import SETTINGS, SettingDef, contradictions

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def suggestions(key: str) -> list[str]:
    """The settings a mistyped ``key`` most likely meant: those it ends (min_age), then the
    nearest by spelling."""
    import difflib

    wanted = key.strip().lower()
    ending = [k for k in SETTINGS if k.endswith("." + wanted)]
    near = difflib.get_close_matches(wanted, SETTINGS, n=3, cutoff=0.6)
    return list(dict.fromkeys(ending + near))[:3]


def _definition(key: str) -> SettingDef:
    try:
        return SETTINGS[key]
    except KeyError:
        near = suggestions(key)
        hint = "'ivcli settings list' shows them all"
        if near:
            names = ", ".join(near[:-1]) + " or " + near[-1] if len(near) > 1 else near[0]
            hint = f"did you mean {names}? {hint}"
        raise InvalidInput(f"there is no setting {key!r}; nothing was changed",
                           hint=hint) from None


def _check_together(conn: Connection, key: str, value: int | float | str | None) -> None:
    """Refuse a change that contradicts another setting (``settings.RULES``); ``value`` None
    is a reset to the default."""
    saved = stored(conn)
    saved.pop(key, None)  # being replaced: an old value this version refuses does not matter
    values = {k: _parse_stored(d, saved[k]) if k in saved else d.default
              for k, d in SETTINGS.items()}
    values[key] = SETTINGS[key].default if value is None else value
    problems = contradictions(values, key)
    if problems:
        raise InvalidInput(
            f"{key} = {values[key]} would contradict other settings; nothing was changed",
            details=problems,
            hint="change the other setting first ('ivcli settings list' shows them), or choose "
            "a value that fits",
        )


def stored(conn: Connection) -> dict[str, str]:
    rows = conn.execute(text("SELECT key, value FROM settings"))
    # dict(rows) would treat the result as a mapping (it has .keys()) and fail.
    return {str(r[0]): str(r[1]) for r in rows}


# The settings stored, read once per transaction (``today`` asks for about thirty): a new
# transaction reads them again, and a change made through this module is seen at once.
_SAVED: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()


def _saved(conn: Connection) -> dict[str, str]:
    transaction = conn.get_transaction()
    saved = _SAVED.get(transaction) if transaction is not None else None
    if saved is None:
        saved = stored(conn)  # begins the transaction if none was
        _SAVED[conn.get_transaction()] = saved
    return saved


def _changed(conn: Connection) -> None:
    transaction = conn.get_transaction()
    if transaction is not None:
        _SAVED.pop(transaction, None)


def get(conn: Connection, key: str) -> int | float | str:
    d = _definition(key)
    saved = _saved(conn)
    return _parse_stored(d, saved[key]) if key in saved else d.default


def _parse_stored(d: SettingDef, raw: str) -> int | float | str:
    """A value as stored; one an older ivcli accepted but this one does not is an error that
    says how to put it right, not a crash."""
    try:
        return d.parse(raw)
    except ValueError as exc:
        raise InvalidInput(
            f"the stored setting {d.key} is no longer valid: {exc}",
            hint=f"'ivcli settings set {d.key} VALUE' or 'ivcli settings reset {d.key}'",
        ) from None


def get_int(conn: Connection, key: str) -> int:
    return int(get(conn, key))


def get_pence(conn: Connection, key: str) -> int:
    """A money setting in whole pence."""
    from ivcli.parsing import parse_money

    return parse_money(str(get(conn, key)))


def get_populations(conn: Connection, key: str) -> dict[str, int]:
    """A setting of named numbers (``PopulationSettingDef``) as {name: number}; {} when
    empty."""
    from ivcli.settings import PopulationSettingDef

    d = _definition(key)
    assert isinstance(d, PopulationSettingDef)
    return d.populations(get(conn, key))


def all_values(conn: Connection) -> list[dict[str, object]]:
    saved = stored(conn)
    out: list[dict[str, object]] = []
    for key in sorted(SETTINGS):
        d = SETTINGS[key]
        value = _parse_stored(d, saved[key]) if key in saved else d.default
        out.append(
            {"key": key, "value": value, "default": d.default, "changed": key in saved,
             "help": d.help}
        )
    return out


def set_value(conn: Connection, key: str, raw: str) -> int | float | str:
    d = _definition(key)
    try:
        value = d.parse(raw)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    _check_together(conn, key, value)
    # An insert or an update, each recorded as what it is (an upsert is both to the audit
    # trail's safety net, which would add an entry of its own).
    params = {"k": key, "v": str(value)}
    if conn.execute(text("SELECT 1 FROM settings WHERE key = :k"), params).first() is None:
        conn.execute(text("INSERT INTO settings (key, value) VALUES (:k, :v)"), params)
        action = "insert"
    else:
        conn.execute(text("UPDATE settings SET value = :v WHERE key = :k"), params)
        action = "update"
    from ivcli.safety import audit

    audit.record(conn, [("settings", key, action, ["value"])])
    _changed(conn)
    return value


def reset(conn: Connection, key: str) -> None:
    _definition(key)
    _check_together(conn, key, None)
    conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": key})
    from ivcli.safety import audit

    audit.record(conn, [("settings", key, "delete", [])])
    _changed(conn)
