"""Errors a user can act on. Each carries the exit code documented in docs/exit-codes.md.

Domain code raises these; the one error boundary in ``ivcli.cli.main`` turns them into a single
line on stderr. Messages name records by id and CSV line, never by a child's name.
"""

from __future__ import annotations

# Exit codes (documented in docs/exit-codes.md; keep the two in step).
EXIT_OK = 0
# The one rule for bad input: a value that was given (an option, an argument, a prompt answer,
# a CSV cell) and is not acceptable is EXIT_ERROR (1), whoever checks it (Typer's types and
# choices, an option's parser, the record's validation); EXIT_USAGE (2) is only for a command
# line that cannot be read: an unknown command or option, a missing argument or value, options
# that cannot go together.
EXIT_ERROR = 1  # the request was refused or a value was not acceptable; nothing was changed
EXIT_USAGE = 2  # the command line could not be read, or a needed value was missing
EXIT_BUSY = 3  # another ivcli held the database for longer than the busy timeout
EXIT_DATABASE = 4  # the database file cannot be used (newer schema, not an ivcli database, corrupt)
EXIT_STORAGE = 5  # the disk is full, a file-size limit was reached, or a write failed
EXIT_INTERNAL = 70  # a bug in ivcli: please report it
EXIT_INTERRUPTED = 130  # Ctrl-C


class IvcliError(Exception):
    """A problem the user can fix. ``hint`` says what to do next."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details or []


class NotFound(IvcliError):
    """A record named by id does not exist."""


class InvalidInput(IvcliError):
    """A value given on the command line or in a file is not acceptable."""


class Refused(IvcliError):
    """The request breaks a rule of the scheme (eligibility, safer recruitment, ...)."""


class MissingValue(IvcliError):
    """A required value was not given and cannot be prompted for."""

    exit_code = EXIT_USAGE


class ConflictingOptions(IvcliError):
    """Options were given together that cannot go together (e.g. an id and ``--all``)."""

    exit_code = EXIT_USAGE


class DatabaseMissing(IvcliError):
    """A read-only command was pointed at a database file that does not exist."""


class DatabaseBusy(IvcliError):
    exit_code = EXIT_BUSY


class DatabaseUnusable(IvcliError):
    exit_code = EXIT_DATABASE


class StorageFull(IvcliError):
    """A write failed for lack of space (ENOSPC, EFBIG, 'database or disk is full')."""

    exit_code = EXIT_STORAGE


class Interrupted(IvcliError):
    exit_code = EXIT_INTERRUPTED
