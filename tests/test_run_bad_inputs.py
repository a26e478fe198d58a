"""The bad-input corpus of ``compendium run`` (``tests/bad_inputs_run/<case>/``): every case stops
before any stage runs, with ``error: ...`` naming the parameter or file, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium.cli import main

CORPUS = Path(__file__).parent / "bad_inputs_run"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_run_input_gives_a_clear_error(case, capsys, tmp_path):
    args = [line.replace("{case}", str(case)) for line in (case / "args.txt").read_text().splitlines() if line]
    code = main(["run", *args, "-p", f"results_dir={tmp_path / 'results'}"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    for expected in (case / "expected.txt").read_text().splitlines():
        assert expected in err, f"{case.name}: {expected!r} not in {err!r}"
    assert not (tmp_path / "results").exists()


def test_the_corpus_has_its_cases():
    assert len(CASES) >= 20
