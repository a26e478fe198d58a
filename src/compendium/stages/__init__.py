"""The stage layer: one module per pipeline stage, each with one entry point

``run(review, raw_dir, results_dir, output_dir, **params) -> StageResult``

that reads ``raw_dir`` (stage 01 only) and the earlier stages' contract tables under
``results_dir`` and writes its own tables, figures and notes into ``output_dir``
(CONTRIBUTING.md, "Stage outputs"). The notebooks call these functions; the engines
(``meta``, ``effects``, ``mr``, ``bias``, ``plots``) never import a stage.

A stage with nothing to do (an empty evidence stream) is a normal case: it writes its contract
tables empty, with their header, and a note saying why (``StageResult.notes``, also written to
``tables/notes.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compendium.errors import CompendiumError
from compendium.results_io import write_json, write_table
from compendium.shared import markdown_text


@dataclass
class StageResult:
    """What a stage wrote: its tables (name -> frame), JSON records, figure names and notes."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    records: dict[str, object] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accounting: list[dict] = field(default_factory=list)
    #: in-memory results a notebook may print (e.g. the fitted models), never read by later stages
    objects: dict[str, object] = field(default_factory=dict)

    def table(self, output_dir: str | Path, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Write ``frame`` as contract table ``name`` and keep it."""
        write_table(frame, output_dir, name)
        self.tables[name] = frame
        return frame

    def record(self, output_dir: str | Path, name: str, value: object) -> object:
        write_json(value, output_dir, name)
        self.records[name] = value
        return value

    def show_figures(self, output_dir: str | Path) -> None:
        """Display every figure the stage saved, inline, under its title and with its alt text (the
        executed notebook shows its work; the PNG files stay in ``output_dir/figures/``)."""
        from IPython.display import Image, Markdown, display

        index_path = Path(output_dir) / "figures.json"
        index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
        for name in self.figures:
            entry = index.get(name, {"file": f"figures/{name}.png", "title": name, "alt": ""})
            display(Markdown(f"**{markdown_text(entry['title'])}**"))
            display(Image(filename=str(Path(output_dir) / entry["file"]), alt=entry["alt"]))

    def finish(self, output_dir: str | Path) -> StageResult:
        """Write the notes and the row accounting (``tables/notes.json``)."""
        write_json({"notes": self.notes, "accounting": self.accounting}, output_dir, "notes")
        return self


def account(stage: str, source: str, rows_in: int, used: int, excluded: int) -> dict:
    """The accounting check of a stage: every input row is used or listed as excluded with its
    reason (``rows_in == used + excluded``). Returns the record; CompendiumError when it does not add up.

    Examples
    --------
    >>> account("03_meta_analysis", "continuous_outcomes", 10, 7, 3)["balanced"]
    True
    """
    record = {
        "stage": stage,
        "source": source,
        "rows_in": int(rows_in),
        "rows_used": int(used),
        "rows_excluded": int(excluded),
        "balanced": int(rows_in) == int(used) + int(excluded),
    }
    if not record["balanced"]:
        raise CompendiumError(
            f"stage {stage}: {source} has {rows_in} rows but {used} were used and {excluded} listed as "
            f"excluded; every row must be used or excluded with a reason (a bug: please report it)"
        )
    return record
