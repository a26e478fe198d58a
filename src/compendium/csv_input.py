"""Reading a user's CSV file for the command-line tools (``meta``, ``mr``, ``rob2``), and checking
its numeric columns, with errors that name the file, row and column.

How a file is read (the same for every command):

* **Path**: a missing path, a directory, a device such as ``/dev/null``, a pipe or a terminal
  (``/dev/stdin`` when nothing is redirected) are each reported as what they are.
* **Encoding**: UTF-8; a leading byte-order mark (Excel's "CSV UTF-8") is dropped. Other
  encodings are refused with the position of the first byte that is not UTF-8.
* **Header**: the first line; a column name given twice is refused with its name (pandas would
  rename the second copy and a command would silently read the first).
* **Missing values**: only an empty cell is missing. Text such as ``NA``, ``None`` or ``NULL``
  stays text (a study may be called "None"); in a numeric column it is refused as not a number.
* **Blank rows** (an empty line, or only commas): at the end of the file they are ignored; between
  data rows they are refused with their row and line. Skipping them would either shift the row
  numbers of every later message or make them differ from the row a spreadsheet shows, and a blank
  row in the middle of a table is most often a row deleted by hand.
* **Rows**: ``row N`` is the N-th data row, on line N+1 of the file (the header is line 1); the
  returned frame keeps that order, so position ``i`` is row ``i + 1``
  (:func:`compendium.errors.cell_problem` writes the message).
"""

from __future__ import annotations

import csv
import io
import math
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compendium.characters import NO_CONTROL_CHARACTERS, unsafe_character
from compendium.errors import CompendiumError, cell_problem


def kind_of_non_file(path: Path, expected: str = "a CSV file") -> str | None:
    """What ``path`` is when it is not a regular file (None when it is one); ``expected`` names
    what should be there."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file not found: no such file at this path"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"is a directory; expected {expected}"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return (
            f"is a pipe, not a file; expected {expected} "
            "(reading standard input is not supported: save the table to a file)"
        )
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return (
            f"is a device (such as /dev/null or a terminal), not a file; expected {expected} "
            "(reading standard input is not supported: save the table to a file)"
        )
    return f"is not a regular file; expected {expected}"


def _read_text(path: Path) -> str:
    problem = kind_of_non_file(path)
    if problem is not None:
        raise CompendiumError(f"{path}: {problem}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CompendiumError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CompendiumError(
            f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start}); "
            "expected a CSV file saved as UTF-8 (in Excel: CSV UTF-8)"
        ) from None
    found = unsafe_character(text, allowed="\t\n\r")
    if found is not None:
        line = text.count("\n", 0, found[0]) + 1
        where = f"row {line - 1} (line {line})" if line > 1 else "line 1 (the header)"
        raise CompendiumError(f"{path}, {where}: expected {NO_CONTROL_CHARACTERS}, got {found[1]}")
    return text


def _check_header(path: Path, header: list[str]) -> None:
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        if name in seen:
            raise CompendiumError(
                cell_problem(path, None, name, "each column name once in the header")
                + f", got it as columns {seen[name]} and {number}"
            )
        seen[name] = number


def _is_blank(record: list[str]) -> bool:
    return all(not value.strip() for value in record)


def _check_blank_rows(path: Path, text: str) -> int:
    """The number of data rows before any trailing blank rows; refuses a blank row between data rows."""
    records = list(csv.reader(io.StringIO(text)))
    last = max((i for i, record in enumerate(records) if not _is_blank(record)), default=0)
    for row, record in enumerate(records[1:last], start=1):
        if _is_blank(record):
            raise CompendiumError(
                f"{path}, row {row} (line {row + 1}): expected a data row, got a blank row; "
                "delete it (blank rows are accepted only at the end of the file)"
            )
    return last


def read_input_csv(path: str | Path, *, expected: str, dtype: type | None = None) -> pd.DataFrame:
    """Read a user's CSV file as described in the module docstring.

    Parameters
    ----------
    path : the file
    expected : what the file should hold, for the message about an empty file
        (e.g. ``"a header and one row per SNP"``)
    dtype : ``str`` to keep every cell as text (empty cells become ``""``); default: pandas'
        type inference, with empty cells (only) as missing

    Returns
    -------
    pandas.DataFrame
        One row per data row, in file order (position ``i`` is row ``i + 1``, line ``i + 2``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes("\\ufeffstudy,yi\\nNone,0.5\\n".encode("utf-8"))
    >>> read_input_csv(path, expected="a header").to_dict(orient="records")
    [{'study': 'None', 'yi': 0.5}]
    """
    path = Path(path)
    text = _read_text(path)
    if not text.strip():
        raise CompendiumError(f"{path}: empty file; expected {expected}")
    try:
        header = next(csv.reader(io.StringIO(text)))
        _check_header(path, header)
        n_rows = _check_blank_rows(path, text)
        options: dict[str, Any] = {"skip_blank_lines": False, "nrows": n_rows}
        if dtype is str:
            options |= {"dtype": str, "na_filter": False}
        else:
            options |= {"keep_default_na": False, "na_values": [""]}
        frame = pd.read_csv(io.StringIO(text), **options)
    except csv.Error as error:
        raise CompendiumError(f"{path}: not a readable CSV file ({error})") from None
    except pd.errors.ParserError as error:
        raise CompendiumError(f"{path}: not a readable CSV file ({error})") from None
    return frame


def numeric_column(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str | Path,
    minimum: float | None = None,
    strictly_above: bool = False,
    min_abs: float | None = None,
    max_abs: float | None = None,
) -> np.ndarray:
    """Column ``column`` of ``frame`` as finite floats, or a :class:`CompendiumError` for its first bad cell.

    Parameters
    ----------
    frame : a table read by :func:`read_input_csv` (position ``i`` is row ``i + 1``)
    column : the column's name
    file : the file's name as the user knows it (starts the message)
    minimum : smallest allowed value (``None``: no lower bound)
    strictly_above : the value must be greater than ``minimum``, not equal to it
    min_abs : smallest allowed absolute value (``None``: 0 allowed)
    max_abs : largest allowed absolute value (``None``: any finite value)

    Returns
    -------
    numpy.ndarray
        The column as ``float``.

    Examples
    --------
    >>> frame = pd.DataFrame({"se": ["0.1", "NA"]})
    >>> numeric_column(frame, "se", file="snps.csv", minimum=0, strictly_above=True)
    Traceback (most recent call last):
    ...
    compendium.errors.CompendiumError: snps.csv, row 2 (line 3), column 'se': expected a finite number > 0, got 'NA'
    """
    if column not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        raise CompendiumError(cell_problem(file, None, column, f"a column with this name; found columns {found}"))
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    expected = "a finite number"
    if minimum is not None:
        expected += f" {'>' if strictly_above else '>='} {minimum:g}"
    if min_abs is not None and max_abs is not None:
        expected += f" with absolute value from {min_abs:g} to {max_abs:g}"
    elif min_abs is not None:
        expected += f" with absolute value at least {min_abs:g}"
    elif max_abs is not None:
        expected += f" with absolute value at most {max_abs:g}"
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values)
        if min_abs is not None:
            bad |= np.abs(values) < min_abs
        if minimum is not None:
            bad |= values <= minimum if strictly_above else values < minimum
        if max_abs is not None:
            bad |= np.abs(values) > max_abs
    if bad.any():
        position = int(np.argmax(bad))
        original = raw.iloc[position]
        if isinstance(original, float) and math.isnan(original):
            raise CompendiumError(cell_problem(file, position + 1, column, expected) + ", got an empty cell")
        raise CompendiumError(cell_problem(file, position + 1, column, expected, original))
    return values
