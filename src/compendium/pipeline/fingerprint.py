"""Stage fingerprints: what a stage's outputs were built from, so stale outputs are never used.

Every stage writes ``fingerprint.json`` into its output folder. It records the SHA-256 of

* every file of the data package (``raw_dir``) and of ``review.yaml`` when it exists,
* the parameter values in force (and the content of any file a parameter names, e.g. ``snp_table``),
* the content of the earlier stages' outputs it reads (one hash per stage over the recorded hashes
  of the files it reads: ``tables/`` for most stages, every output but the executed notebook for
  the report stage, :func:`compendium.pipeline.graph.reads_only_tables`),
* the package source (``src/compendium``) and the stage notebook,

and one ``fingerprint`` hash over all of them, plus the SHA-256 of every file the stage wrote
(``outputs``; files moved up into the results folder, such as the report, under ``publish/``).
A stage's outputs are *current* when the inputs it would record now are the recorded ones and
every recorded output file is still there, unchanged (:func:`stale_reason`). So freshness
comes from content, never from modification times, and a parameter re-runs only the stages that
declare it and the stages whose upstream outputs then actually changed. Before a stage runs, the
runner checks every earlier stage it reads this way and refuses outputs that are not current,
saying what changed and which stage to re-run. When a stage fails,
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
from compendium.paths import PACKAGE_DIR, display_path, governing_review, project_root

FINGERPRINT_FILE = "fingerprint.json"
FAILED_ATTEMPT_FILE = "failed_attempt.json"
#: the folder of a stage's outputs whose files are moved up into the results folder
PUBLISH_DIR = "publish"


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of_version(path, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _sha256_of_version(path: Path, inode: int, mtime_ns: int, ctime_ns: int, size: int) -> str:
    """The hash of one version of a file (a run checks each stage's inputs several times: the
    package source is hashed once per process, not once per check). The change time is part of
    the key: an edit that puts the old modification time back (``cp -p``) still changes it."""
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
    notebook: Path, values: dict[str, object], upstream: dict[str, str | None], review_file: Path | None = None
) -> dict[str, object]:
    """Everything a stage's outputs depend on (see the module docstring); ``output_dir`` excluded.
    ``review_file`` defaults to the declaration that governs the stage's ``raw_dir``."""
    parameters = {name: value for name, value in values.items() if name != "output_dir"}
    root = project_root()
    raw_dir = root / str(parameters.get("raw_dir", "data/raw"))
    review_file = review_file or governing_review(raw_dir)
    named_files = {
        str(v): _sha256(root / v) for v in parameters.values() if isinstance(v, str) and v and (root / v).is_file()
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


def output_hashes(output_dir: Path) -> dict[str, str]:
    """``{path relative to output_dir: sha256}`` of every file a stage wrote (its records excluded)."""
    return {
        p.relative_to(output_dir).as_posix(): _sha256(p)
        for p in sorted(output_dir.rglob("*"))
        if p.is_file() and p.name not in (FINGERPRINT_FILE, FAILED_ATTEMPT_FILE)
    }


def output_path(stage_dir: Path, name: str) -> Path:
    """Where the output ``name`` of :func:`output_hashes` lies once the stage is in place."""
    published = name.removeprefix(f"{PUBLISH_DIR}/")
    return stage_dir.parent / published if published != name else stage_dir / name


def outputs_read(record: dict[str, Any], tables_only: bool) -> str | None:
    """One hash over the recorded outputs a later stage reads (None: the record lists no outputs).

    The executed notebook is never read by a later stage (and carries run times), so it is left out;
    ``tables_only`` keeps only ``tables/`` (a figure's colours do not change what stage 03 reads).
    """
    outputs = record.get("outputs")
    if not isinstance(outputs, dict):
        return None
    read = sorted(
        (name, sha)
        for name, sha in outputs.items()
        if not name.endswith(".ipynb") and (not tables_only or name.startswith("tables/"))
    )
    return hashlib.sha256(json.dumps(read).encode()).hexdigest()


def write_fingerprint(
    output_dir: Path, stage: str, inputs: dict[str, object], run: dict[str, str] | None = None
) -> str:
    """Record ``inputs``, their fingerprint and the hash of every output file in ``output_dir/fingerprint.json``,
    with ``run`` (start and end times, engine version: the run record, :mod:`compendium.pipeline.crate`).

    Returns the fingerprint.
    """
    fingerprint = fingerprint_of(inputs)
    record = {
        "stage": stage,
        "fingerprint": fingerprint,
        "inputs": inputs,
        "outputs": output_hashes(output_dir),
        "run": run or {},
    }
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
            changes.append(f"stage {name}'s outputs changed or were removed since")
    if recorded.get("source") != current.get("source"):
        changes.append("the package source or the stage notebook changed")
    return changes or ["the recorded inputs differ from the current ones"]


def stale_reason(stage_dir: Path, expected: dict[str, object]) -> str | None:
    """Why the outputs in ``stage_dir`` are not current for the ``expected`` inputs (None: they are).

    Current means: a fingerprint record whose inputs are ``expected`` and whose every output file is
    still in place with the recorded content (a deleted or edited table or report is not current).
    """
    record = read_fingerprint(stage_dir)
    if record is None:
        if not stage_dir.is_dir():
            return f"{display_path(stage_dir)} does not exist"
        if (stage_dir / FINGERPRINT_FILE).exists():
            return f"{display_path(stage_dir)} has a corrupt {FINGERPRINT_FILE} (not the JSON record the runner writes)"
        return f"{display_path(stage_dir)} has no {FINGERPRINT_FILE} (built by an older runner or copied by hand)"
    if record["fingerprint"] != fingerprint_of(expected):
        return "; ".join(what_changed(record.get("inputs", {}), expected))
    outputs = record.get("outputs")
    if not isinstance(outputs, dict):
        return f"{display_path(stage_dir / FINGERPRINT_FILE)} does not list the outputs (built by an older runner)"
    for name, sha in sorted(outputs.items()):
        path = output_path(stage_dir, name)
        if not path.is_file():
            return f"{display_path(path)} was removed"
        if _sha256(path) != sha:
            return f"{display_path(path)} was changed after the stage wrote it"
    return None


def refuse_stale(stage: str, stage_dir: Path, expected: dict[str, object], reader: str) -> None:
    """Check ``stage``'s outputs in ``stage_dir`` against the ``expected`` inputs (:func:`stale_reason`).

    Raises :class:`CompendiumError` naming the stage to re-run when they are not current.
    """
    reason = stale_reason(stage_dir, expected)
    if reason is None:
        return
    failed = stage_dir / FAILED_ATTEMPT_FILE
    note = " Its last run failed; these outputs belong to the previous inputs." if failed.exists() else ""
    raise CompendiumError(
        f"stage {reader} refuses the outputs of stage {stage} in {display_path(stage_dir)}: they are not current "
        f"({reason}).{note} Stage {stage} must be re-run: compendium run --only {stage[:2]} (or make report)"
    )
