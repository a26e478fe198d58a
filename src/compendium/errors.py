"""The one exception type users see, and the one format for a problem in a cell of a CSV file.

Row convention (everywhere: validation, the command-line tools, the stage loaders): ``row N`` is
the 1-based data row and ``line N+1`` the line of the file (the header is line 1).
"""

from __future__ import annotations

from pathlib import Path


class CompendiumError(Exception):
    """Bad input or a failed stage. The message names the file, row, column and what was expected."""

    exit_code = 2


def cell_problem(file: str | Path, row: int | None, column: str | None, expected: str, got: object = None) -> str:
    """The message for one bad cell: ``FILE, row N (line N+1), column 'c': expected ..., got ...``.

    Parameters
    ----------
    file : the file's name or path as the user knows it
    row : 1-based data row (None when the problem concerns the whole file or a column)
    column : column name (None when the problem concerns a whole row or file)
    expected : what a valid value looks like
    got : the value found (omitted from the message when None)

    Examples
    --------
    >>> cell_problem("arms.csv", 3, "n_randomised", "an integer >= 1", "0")
    "arms.csv, row 3 (line 4), column 'n_randomised': expected an integer >= 1, got '0'"
    >>> cell_problem("arms.csv", None, "role", "a column named 'role'")
    "arms.csv, column 'role': expected a column named 'role'"
    """
    where = [str(file)]
    if row is not None:
        where.append(f"row {row} (line {row + 1})")
    if column is not None:
        where.append(f"column {column!r}")
    message = f"{', '.join(where)}: expected {expected}"
    if got is not None:
        message += f", got {_plain(got)!r}"
    return message


def _plain(value: object) -> object:
    """A value as the user wrote it: numpy scalars become Python scalars (no ``np.float64(...)``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
