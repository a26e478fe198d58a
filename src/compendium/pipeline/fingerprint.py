"""Stage fingerprints: what a stage's outputs were built from, so stale outputs are never used.

Every stage writes ``fingerprint.json`` into its output folder. It records the SHA-256 of

* every file of the data package (``raw_dir``) and of ``review.yaml`` when it exists,
* the parameter values in force (and the content of any file a parameter names, e.g. ``snp_table``),
* the fingerprints of the earlier stages it read (as recorded in their output folders),
* the package source (``src/compendium``) and the stage notebook,

and one ``fingerprint`` hash over all of them. Before a stage runs, the runner recomputes the
fingerprint each earlier stage *would* have with the current inputs and refuses outputs whose
recorded fingerprint differs, saying what changed and which stage to re-run. When a stage fails,
its previous outputs stay in place (they are good for the inputs they were built from) and get a
``failed_attempt.json`` note, so the refusal can also say that the last attempt failed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from compendium.errors import CompendiumError
from compendium.paths import ROOT, display_path

FINGERPRINT_FILE = "fingerprint.json"
FAILED_ATTEMPT_FILE = "failed_attempt.json"
#: the package whose source is part of every fingerprint
PACKAGE_DIR = ROOT / "src" / "compendium"


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of_version(path, stat.st_ino, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _sha256_of_version(path: Path, inode: int, mtime_ns: int, size: int) -> str:
    """The hash of one version of a file (a run checks each stage's inputs several times: the
    package source is hashed once per process, not once per check)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_hashes(folder: Path) -> dict[str, str]:
    """``{path relative to the repository root: sha256}`` of every file under ``folder``."""
    base = Path(display_path(folder))
    return {
        (base / p.relative_to(folder)).as_posix(): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


def source_hash(notebook: Path) -> str:
    """One hash over the package source and the stage notebook."""
    digest = hashlib.sha256()
    for name, sha in sorted(_tree_hashes(PACKAGE_DIR).items()) + [(display_path(notebook), _sha256(notebook))]:
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()


def stage_inputs(
    notebook: Path, values: dict[str, object], upstream: dict[str, str | None], review_file: Path
) -> dict[str, object]:
    """Everything a stage's outputs depend on (see the module docstring); ``output_dir`` excluded."""
    parameters = {name: value for name, value in values.items() if name != "output_dir"}
    raw_dir = ROOT / str(parameters.get("raw_dir", "data/raw"))
    named_files = {
        str(v): _sha256(ROOT / v) for v in parameters.values() if isinstance(v, str) and v and (ROOT / v).is_file()
    }
    return {
        "data": _tree_hashes(raw_dir) if raw_dir.is_dir() else {},
        "review": _sha256(review_file) if review_file.is_file() else None,
        "parameters": parameters,
        "parameter_files": named_files,
        "upstream": upstream,
        "source": source_hash(notebook),
    }


def fingerprint_of(inputs: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def write_fingerprint(output_dir: Path, stage: str, inputs: dict[str, object]) -> str:
    """Record ``inputs`` and their fingerprint in ``output_dir/fingerprint.json``; return the fingerprint."""
    fingerprint = fingerprint_of(inputs)
    record = {"stage": stage, "fingerprint": fingerprint, "inputs": inputs}
    (output_dir / FINGERPRINT_FILE).write_text(
        json.dumps(record, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return fingerprint


def read_fingerprint(stage_dir: Path) -> dict | None:
    """The record in ``stage_dir/fingerprint.json``, or None when the folder has none (or an unreadable one)."""
    path = stage_dir / FINGERPRINT_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "fingerprint" in record else None


def mark_failed_attempt(stage_dir: Path, inputs: dict[str, object], reason: str) -> None:
    """Note in a stage's previous outputs that an attempt with other inputs failed (best effort)."""
    note = {
        "failed_fingerprint": fingerprint_of(inputs),
        "reason": reason,
        "outputs_belong_to": (read_fingerprint(stage_dir) or {}).get("fingerprint"),
    }
    # a read-only or full disk: the fingerprint check alone still refuses stale outputs
    with contextlib.suppress(OSError):
        (stage_dir / FAILED_ATTEMPT_FILE).write_text(
            json.dumps(note, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )


def what_changed(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Human-readable differences between the inputs recorded for outputs and the current inputs."""
    changes: list[str] = []
    old_data, new_data = recorded.get("data", {}), current.get("data", {})
    changed_files = sorted(name for name in set(old_data) | set(new_data) if old_data.get(name) != new_data.get(name))
    if changed_files:
        shown = ", ".join(changed_files[:5]) + (f" and {len(changed_files) - 5} more" if len(changed_files) > 5 else "")
        changes.append(f"data files changed ({shown})")
    if recorded.get("review") != current.get("review"):
        changes.append("review.yaml changed")
    old_params, new_params = recorded.get("parameters", {}), current.get("parameters", {})
    for name in sorted(set(old_params) | set(new_params)):
        if json.dumps(old_params.get(name), default=str) != json.dumps(new_params.get(name), default=str):
            changes.append(f"parameter '{name}' was {old_params.get(name)!r}, is now {new_params.get(name)!r}")
    if recorded.get("parameter_files") != current.get("parameter_files"):
        changes.append("a file named by a parameter changed")
    old_up, new_up = recorded.get("upstream", {}), current.get("upstream", {})
    for name in sorted(set(old_up) | set(new_up)):
        if old_up.get(name) != new_up.get(name):
            changes.append(f"stage {name}'s outputs were rebuilt or removed since")
    if recorded.get("source") != current.get("source"):
        changes.append("the package source or the stage notebook changed")
    return changes or ["the recorded inputs differ from the current ones"]


def refuse_stale(stage: str, stage_dir: Path, expected: dict[str, object], reader: str) -> str:
    """Check ``stage``'s outputs in ``stage_dir`` against the ``expected`` inputs; return their fingerprint.

    Raises :class:`CompendiumError` naming the stage to re-run when the outputs have no
    fingerprint or were built from other inputs.
    """
    rerun = f"re-run it first: compendium run --only {stage[:2]} (or make report)"
    record = read_fingerprint(stage_dir)
    if record is None:
        found = (
            f"a corrupt {FINGERPRINT_FILE} (not the JSON record the runner writes)"
            if (stage_dir / FINGERPRINT_FILE).exists()
            else f"no {FINGERPRINT_FILE} (built by an older runner or copied by hand)"
        )
        raise CompendiumError(f"stage {reader} reads {display_path(stage_dir)}, which has {found}; {rerun}")
    if record["fingerprint"] == fingerprint_of(expected):
        return record["fingerprint"]
    changes = what_changed(record.get("inputs", {}), expected)
    failed = stage_dir / FAILED_ATTEMPT_FILE
    note = " Its last run failed; these outputs belong to the previous inputs." if failed.exists() else ""
    raise CompendiumError(
        f"stage {reader} refuses the outputs of stage {stage} in {display_path(stage_dir)}: they were built from "
        f"other inputs ({'; '.join(changes)}).{note} Stage {stage} must be re-run: compendium run --only {stage[:2]} "
        "(or make report)"
    )
