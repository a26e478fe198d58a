"""The bad-input corpus of ``compendium run`` (``tests/bad_inputs_run/<case>/``): every case stops
before any stage runs, with ``error: ...`` naming the parameter or file, exit code 2, no traceback.

The corpus runs on whatever review this compendium declares: ``{outcome}`` in a case stands for the
first outcome of its ``review.yaml`` and ``{typo}`` for a misspelling of it; a parameter that no
stage of this review declares (a review without stage 04 has no ``seed``) is refused as unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium.cli import main
from compendium.errors import CompendiumError
from compendium.paths import ROOT
from compendium.pipeline.parameters import parse_override
from compendium.pipeline.runner import discover_stages, pipeline_stages
from compendium.review import load_review
from compendium.yaml_io import read_yaml

CORPUS = Path(__file__).parent / "bad_inputs_run"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
OUTCOME = load_review(ROOT / "review.yaml").outcome_ids[0]
TYPO = OUTCOME + OUTCOME[-1]
#: every parameter the stages of this review declare
STAGE_PARAMETERS = {name for stage in pipeline_stages(discover_stages()) for name in stage.parameters}


def _fill(text: str, case: Path) -> list[str]:
    filled = text.replace("{case}", str(case)).replace("{outcome}", OUTCOME).replace("{typo}", TYPO)
    return [line for line in filled.splitlines() if line]


def _parameters_set(args: list[str]) -> list[str]:
    """The names a case sets with a readable ``-p NAME=VALUE`` or in a readable ``--params`` mapping
    (an unreadable one is what the case is about)."""
    names = []
    for flag, value in zip(args, args[1:]):
        try:
            if flag == "-p":
                names.append(parse_override(value)[0])
            elif flag == "--params" and Path(value).is_file():
                content = read_yaml(value)
                names.extend(content if isinstance(content, dict) else [])
        except CompendiumError:
            continue
    return names


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_run_input_gives_a_clear_error(case, capsys, tmp_path):
    args = _fill((case / "args.txt").read_text(), case)
    code = main(["run", *args, "-p", f"results_dir={tmp_path / 'results'}"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    undeclared = [name for name in _parameters_set(args) if name not in STAGE_PARAMETERS]
    expected = (
        [f"unknown parameter '{undeclared[0]}'"] if undeclared else _fill((case / "expected.txt").read_text(), case)
    )
    for line in expected:
        assert line in err, f"{case.name}: {line!r} not in {err!r}"
    assert not (tmp_path / "results").exists()


def test_the_corpus_has_its_cases():
    assert len(CASES) >= 20
