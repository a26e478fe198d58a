"""Writing stage results: deterministic CSV/JSON tables and figures with alt text.

Every stage writes into its own ``output_dir``::

    output_dir/tables/<name>.csv      result tables (stable columns, byte-identical between runs)
    output_dir/figures/<name>.png     figures
    output_dir/figures.json           {name: {"file", "title", "alt"}} for the report

Later stages read tables with :func:`read_table`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

#: float format for every result table: 10 significant digits round-trips our statistics and
#: hides last-bit noise that would break byte-identical output between runs and machines
FLOAT_FORMAT = "%.10g"


def write_table(table: pd.DataFrame, output_dir: str | Path, name: str) -> Path:
    """Write ``table`` to ``output_dir/tables/<name>.csv`` deterministically (no index, LF line ends)."""
    path = Path(output_dir) / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path


def read_table(results_dir: str | Path, stage: str, name: str) -> pd.DataFrame:
    """Read table ``name`` written by ``stage`` (e.g. ``"01_ingest"``) under ``results_dir``; only an
    empty cell is missing (text such as ``NA`` or ``None`` stays text, as in the data package)."""
    path = Path(results_dir) / stage / "tables" / f"{name}.csv"
    if not path.exists():
        from compendium.errors import CompendiumError

        raise CompendiumError(f"{path}: missing; run stage {stage} first (compendium run --only {stage[:2]})")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def write_json(obj: object, output_dir: str | Path, name: str) -> Path:
    """Write ``obj`` as sorted, indented JSON to ``output_dir/tables/<name>.json``."""
    path = Path(output_dir) / "tables" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def save_figure(figure, output_dir: str | Path, name: str, *, title: str, alt: str) -> Path:
    """Save a matplotlib figure as PNG (no timestamp metadata) and record its title and alt text."""
    output_dir = Path(output_dir)
    path = output_dir / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    index_path = output_dir / "figures.json"
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    index[name] = {"file": f"figures/{name}.png", "title": title, "alt": alt}
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
