"""The ALS review's guidance statements (data/raw/guidance.csv): well formed, topics declared in
review.yaml, and every evidence link exists in the data package or the stage contract."""

from __future__ import annotations

import pandas as pd
import yaml

from compendium.paths import RAW_DIR, ROOT
from compendium.report.guidance import STATUSES, statements
from compendium.report.inputs import EXPECTED_TABLES
from compendium.review import load_review

#: tables of the stage contract (CONTRIBUTING.md) that guidance may link to, besides stage 01's resources
CONTRACT_TABLES = {f"{stage}/{name}" for stage, names in EXPECTED_TABLES.items() for name in names}
GUIDANCE = statements(pd.read_csv(RAW_DIR / "guidance.csv"))
TOPICS = {t.id for t in load_review(ROOT / "review.yaml").report.guidance_topics}


def _raw_resources() -> dict[str, str]:
    package = yaml.safe_load((RAW_DIR / "datapackage.yaml").read_text(encoding="utf-8"))
    return {r["name"]: r["path"] for r in package["resources"]}


def test_guidance_statements_are_well_formed():
    assert len({s.id for s in GUIDANCE}) == len(GUIDANCE)
    for statement in GUIDANCE:
        assert statement.topic in TOPICS and statement.status in STATUSES and statement.evidence, statement.id
    assert {s.topic for s in GUIDANCE} == TOPICS
    assert any(s.status == "unknown" for s in GUIDANCE)  # what the data cannot answer is said


def test_every_linked_study_and_row_exists():
    studies = set(pd.read_csv(RAW_DIR / "studies.csv")["study_id"])
    resources = _raw_resources()
    for statement in GUIDANCE:
        for evidence in statement.evidence:
            stage, name = evidence.table.split("/")
            if stage == "01_ingest" and name in resources:
                if evidence.study_id is None:
                    continue
                assert evidence.study_id in studies, f"{statement.id}: {evidence.study_id} is not in studies.csv"
                table = pd.read_csv(RAW_DIR / resources[name])
                rows = table[table["study_id"] == evidence.study_id]
                for column, value in evidence.where:
                    rows = rows[rows[column].astype(str) == value]
                assert not rows.empty, f"{statement.id}: no row {evidence.describe()} in data/raw/{resources[name]}"
            else:
                assert evidence.table in CONTRACT_TABLES, f"{statement.id}: {evidence.table} is not a stage output"
                assert evidence.study_id is None or evidence.study_id in studies
