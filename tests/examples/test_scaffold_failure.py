"""A failed ``compendium init`` leaves no half-written compendium behind (hostile-input sweep,
issue 11): a re-run would otherwise refuse the folder as "not empty"."""

from __future__ import annotations

import pytest

import compendium.scaffold as scaffold
from compendium.errors import CompendiumError


def _fail(target):
    raise CompendiumError(f"{target}/review.yaml: synthetic failure")


@pytest.mark.parametrize("exists", [False, True])
def test_a_failed_init_removes_what_it_wrote(tmp_path, monkeypatch, exists):
    target = tmp_path / "new_review"
    if exists:
        target.mkdir()
    monkeypatch.setattr(scaffold, "_write_readme", _fail)
    example = scaffold.available_examples()[0]
    with pytest.raises(CompendiumError, match="synthetic failure"):
        scaffold.init_compendium(target, example, log=lambda line: None)
    assert target.exists() == exists and (not exists or not any(target.iterdir()))
