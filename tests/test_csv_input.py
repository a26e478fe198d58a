"""The one CSV reader of the ``meta``, ``mr`` and ``rob2`` commands (``compendium.csv_input``) and the
command cases of the bad-input corpus.

Command cases live in ``tests/bad_inputs/<case>/`` beside the data-package cases; a command case has
``command.txt`` (the arguments of ``compendium``, ``{dir}`` standing for the case's directory), its
input files and ``expected.txt`` (substrings of the error message; a line starting with ``!`` is a
substring it must not contain). Every input is SYNTHETIC.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compendium.cli import main
from compendium.csv_input import numeric_column, read_input_csv
from compendium.errors import CompendiumError

TESTS = Path(__file__).parent
COMMAND_CASES = sorted(p for p in (TESTS / "bad_inputs").iterdir() if (p / "command.txt").is_file())


def test_command_corpus_covers_each_command():
    names = [case.name for case in COMMAND_CASES]
    assert len(names) >= 18
    assert {"csv", "meta", "mr", "rob2"} <= {name.split("_")[0] for name in names}


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[c.name for c in COMMAND_CASES])
def test_command_bad_input_exits_2_with_its_message(case: Path, capsys):
    command = (case / "command.txt").read_text(encoding="utf-8").strip()
    argv = [argument.replace("{dir}", str(case)) for argument in shlex.split(command)]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    for expected in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        if expected.startswith("!"):  # a substring the message must not contain
            assert expected[1:] not in captured.err, f"{case.name}: {expected[1:]!r} in:\n{captured.err}"
        elif expected:
            assert expected in captured.err, f"{case.name}: {expected!r} not in:\n{captured.err}"
    assert "np.float64" not in captured.err and "Warning" not in captured.err


def write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_utf8_byte_order_mark_is_dropped(tmp_path: Path):
    path = tmp_path / "excel.csv"  # SYNTHETIC, as Excel's "CSV UTF-8" writes it
    path.write_bytes("\ufeffsource_id,yi\nsynthetic-a,0.5\n".encode("utf-8"))
    frame = read_input_csv(path, expected="a header")
    assert list(frame.columns) == ["source_id", "yi"] and frame.yi.tolist() == [0.5]


def test_only_empty_cells_are_missing(tmp_path: Path):
    path = write(tmp_path, "study,country,yi\nNone,NA,0.1\nNULL,,0.2\n")  # SYNTHETIC
    frame = read_input_csv(path, expected="a header")
    assert frame.study.tolist() == ["None", "NULL"]
    assert frame.country.iloc[0] == "NA" and pd.isna(frame.country.iloc[1])
    text = read_input_csv(path, expected="a header", dtype=str)
    assert text.country.tolist() == ["NA", ""]


def test_trailing_blank_rows_are_ignored(tmp_path: Path):
    path = write(tmp_path, "study,yi\nsynthetic-a,0.1\nsynthetic-b,0.2\n\n,\n")  # SYNTHETIC
    assert len(read_input_csv(path, expected="a header")) == 2


def test_blank_row_between_data_rows_is_refused_with_its_row(tmp_path: Path):
    path = write(tmp_path, "study,yi\nsynthetic-a,0.1\n\nsynthetic-b,0.2\n")  # SYNTHETIC
    with pytest.raises(CompendiumError, match=r"row 2 \(line 3\): expected a data row, got a blank row"):
        read_input_csv(path, expected="a header")


def test_duplicated_header_is_refused_with_its_name(tmp_path: Path):
    path = write(tmp_path, "study,yi,vi,yi\nsynthetic-a,0.1,0.01,0.9\n")  # SYNTHETIC
    with pytest.raises(CompendiumError, match=r"column 'yi': expected each column name once .* columns 2 and 4"):
        read_input_csv(path, expected="a header")


def test_paths_that_are_not_files_say_what_they_are(tmp_path: Path):
    with pytest.raises(CompendiumError, match="file not found"):
        read_input_csv(tmp_path / "absent.csv", expected="a header")
    with pytest.raises(CompendiumError, match="is a directory"):
        read_input_csv(tmp_path, expected="a header")
    with pytest.raises(CompendiumError, match="is a device"):
        read_input_csv("/dev/null", expected="a header")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # what /dev/stdin is when a table is piped in
    with pytest.raises(CompendiumError, match="is a pipe, not a file.*standard input is not supported"):
        read_input_csv(pipe, expected="a header")


def test_empty_and_not_utf8_files(tmp_path: Path):
    with pytest.raises(CompendiumError, match="empty file; expected a header and one row per SNP"):
        read_input_csv(write(tmp_path, ""), expected="a header and one row per SNP")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("study\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(CompendiumError, match="not UTF-8 text"):
        read_input_csv(latin, expected="a header")


def test_numeric_column_message_follows_the_row_convention():
    frame = pd.DataFrame({"se": [0.1, np.float64(0.0), 0.2], "text": ["1", "NA", "2"], "b": [1.0, np.nan, 2.0]})
    with pytest.raises(CompendiumError) as raised:
        numeric_column(frame, "se", file="snps.csv", minimum=0, strictly_above=True)
    assert str(raised.value) == "snps.csv, row 2 (line 3), column 'se': expected a finite number > 0, got 0.0"
    with pytest.raises(CompendiumError, match=r"row 2 \(line 3\), column 'text': expected a finite number, got 'NA'"):
        numeric_column(frame, "text", file="snps.csv")
    with pytest.raises(CompendiumError, match="got an empty cell"):
        numeric_column(frame, "b", file="snps.csv")
    with pytest.raises(CompendiumError, match="column 'absent': expected a column with this name; found columns se"):
        numeric_column(frame, "absent", file="snps.csv")
    with pytest.raises(CompendiumError, match="absolute value from 0.5 to 10"):
        numeric_column(frame, "se", file="snps.csv", min_abs=0.5, max_abs=10)
    np.testing.assert_array_equal(numeric_column(frame, "se", file="snps.csv", minimum=0), [0.1, 0.0, 0.2])
