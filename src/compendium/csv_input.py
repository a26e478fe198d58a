"""Reading a user's CSV file for the command-line tools, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compendium.errors import CompendiumError


def read_input_csv(path: str | Path, *, expected: str, **read_csv_options: object) -> pd.DataFrame:
    """``pandas.read_csv(path, **read_csv_options)``, or a :class:`CompendiumError` saying the file
    is missing, empty (``expected`` says what it should hold) or not readable as CSV."""
    path = Path(path)
    if not path.is_file():
        raise CompendiumError(f"{path}: file not found: no such file at this path")
    try:
        return pd.read_csv(path, **read_csv_options)
    except pd.errors.EmptyDataError:
        raise CompendiumError(f"{path}: empty file; expected {expected}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise CompendiumError(f"{path}: not a readable CSV file ({error})") from None
