"""The run record: ``<results_dir>/ro-crate-metadata.json``, a Workflow Run RO-Crate.

The crate follows RO-Crate 1.1 and the Workflow Run Crate profiles 0.5 (Process Run Crate,
Workflow Run Crate and Provenance Run Crate; https://w3id.org/ro/wfrun/). Its root is the results
folder; the repository files it names (the declaration, the data package, the parameter files, the
stage notebooks, the Makefile) lie one folder up and are referenced as ``../<path>``.

* the workflow (``mainEntity``): the Makefile with the stage notebooks as its steps
  (``HowToStep``), each notebook a ``SoftwareApplication``; the parameters are the workflow's
  ``input`` (``FormalParameter``) and their values ``PropertyValue``s;
* one ``CreateAction`` for the run (the declaration, the data package and the parameters in,
  the report and the stage folders out) and one per stage (its notebook, inputs, outputs, start and
  end times, from the stage's ``fingerprint.json``);
* the engine (``compendium``, with its version) as the instrument of the ``OrganizeAction`` that
  ran the stages, one ``ControlAction`` per step.

Written from the stage records on disk, so it always describes the outputs that are in place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import compendium
from compendium.paths import project_root
from compendium.pipeline.fingerprint import PUBLISH_DIR, read_fingerprint

CRATE_FILE = "ro-crate-metadata.json"
RO_CRATE = "https://w3id.org/ro/crate/1.1"
PROFILES = {
    "https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate",
    "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate",
    "https://w3id.org/ro/wfrun/provenance/0.5": "Provenance Run Crate",
    "https://w3id.org/workflowhub/workflow-ro-crate/1.0": "Workflow RO-Crate",
}
#: RO-Crate 1.1's context, plus ``engineVersion``: the version of the engine that ran a stage (schema.org's
#: softwareVersion, said of the action, since the engine may have changed between stages' runs)
CONTEXT = ["https://w3id.org/ro/crate/1.1/context", {"engineVersion": "https://schema.org/softwareVersion"}]
WORKFLOW = "Makefile"
ENGINE = "#compendium"
#: FormalParameter additionalType of a parameter value's Python type
_TYPES = {bool: "Boolean", int: "Integer", float: "Float", str: "Text", list: "Collection", dict: "Collection"}


def _ref(entity_id: str) -> dict[str, str]:
    return {"@id": entity_id}


def _repo(path: str | Path, results_dir: Path) -> str:
    """The id of a repository file or folder, relative to the crate root (folders end with '/')."""
    target = project_root() / path
    relative = Path(os.path.relpath(target, results_dir)).as_posix()
    return relative + "/" if target.is_dir() else relative


def build_crate(
    results_dir: Path,
    stages: list[tuple[str, Path]],
    parameters: dict[str, object],
    parameter_files: list[Path],
    review_file: Path,
    raw_dir: Path,
) -> dict[str, Any]:
    """The crate (a JSON-LD document) of the stages ``(name, notebook)`` whose outputs are in ``results_dir``."""
    graph: list[dict[str, Any]] = []
    found = {name: read_fingerprint(results_dir / name) for name, _ in stages}
    records = {name: record for name, record in found.items() if record}
    done = [(name, notebook) for name, notebook in stages if name in records]
    declaration = _repo(review_file, results_dir)
    data = _repo(raw_dir, results_dir)
    files = [_repo(f, results_dir) for f in parameter_files]
    values = [f"#value-{name}" for name in sorted(parameters)]
    outputs: list[str] = []
    for name, _ in done:
        outputs.append(f"{name}/")
        outputs += [p.removeprefix(f"{PUBLISH_DIR}/") for p in _published(records[name])]
    steps = [f"#step-{name}" for name, _ in done]
    actions = [f"#run-{name}" for name, _ in done]
    times = [records[name]["run"] for name, _ in done if records[name].get("run")]
    graph.append(
        {
            "@id": CRATE_FILE,
            "@type": "CreativeWork",
            "conformsTo": _ref(RO_CRATE),
            "about": _ref("./"),
        }
    )
    graph.append(
        {
            "@id": "./",
            "@type": "Dataset",
            "name": "Outputs of the compendium's stage notebooks",
            "description": "The results folder written by `compendium run` / `make report`: one folder per stage "
            "(tables, figures, the executed notebook) and the report.",
            "datePublished": max((t["end_time"] for t in times), default=None),
            "license": _ref("https://spdx.org/licenses/CC-BY-4.0"),
            "conformsTo": [_ref(p) for p in PROFILES],
            "mainEntity": _ref(_repo(WORKFLOW, results_dir)),
            "hasPart": [_ref(o) for o in outputs],
            "mentions": [_ref("#run"), *map(_ref, actions)],
        }
    )
    graph += [
        {"@id": p, "@type": "CreativeWork", "name": n, "version": p.rsplit("/", 1)[1]} for p, n in PROFILES.items()
    ]
    graph.append(
        {
            "@id": _repo(WORKFLOW, results_dir),
            "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
            "name": "make report: the stage notebooks in the order of the pipeline graph",
            "programmingLanguage": _ref("#make"),
            "hasPart": [_ref(_repo(nb, results_dir)) for _, nb in done],
            "step": list(map(_ref, steps)),
            "input": [_ref(f"#param-{name}") for name in sorted(parameters)],
            "output": [_ref("#param-output-results")],
        }
    )
    graph.append(
        {
            "@id": "#make",
            "@type": "ComputerLanguage",
            "name": "GNU Make",
            "url": _ref("https://www.gnu.org/software/make/"),
        }
    )
    for name in sorted(parameters):
        kind = _TYPES.get(type(parameters[name]), "Text")
        graph.append({"@id": f"#param-{name}", "@type": "FormalParameter", "name": name, "additionalType": kind})
        graph.append(
            {
                "@id": f"#value-{name}",
                "@type": "PropertyValue",
                "name": name,
                "value": parameters[name]
                if isinstance(parameters[name], (int, float, str))
                else json.dumps(parameters[name]),
                "exampleOfWork": _ref(f"#param-{name}"),
            }
        )
    graph.append(
        {"@id": "#param-output-results", "@type": "FormalParameter", "name": "results", "additionalType": "Dataset"}
    )
    graph.append({"@id": declaration, "@type": "File", "name": "the review declaration (review.yaml)"})
    graph.append(
        {
            "@id": data,
            "@type": "Dataset",
            "name": "the evidence data package",
            "hasPart": [_ref(_repo(Path(raw_dir, "datapackage.yaml"), results_dir))],
        }
    )
    graph.append(
        {"@id": _repo(Path(raw_dir, "datapackage.yaml"), results_dir), "@type": "File", "name": "datapackage.yaml"}
    )
    graph += [{"@id": f, "@type": "File", "name": "parameter file"} for f in files]
    graph.append(
        {
            "@id": ENGINE,
            "@type": "SoftwareApplication",
            "name": "compendium",
            "softwareVersion": compendium.__version__,
            "description": "the compendium's papermill runner (`compendium run`)",
        }
    )
    workflow_inputs = [_ref(declaration), _ref(data), *map(_ref, files), *map(_ref, values)]
    graph.append(
        {
            "@id": "#run",
            "@type": "CreateAction",
            "name": "Run of the compendium's stage notebooks",
            "instrument": _ref(_repo(WORKFLOW, results_dir)),
            "object": workflow_inputs,
            "result": [_ref(o) for o in outputs],
            "startTime": min((t["start_time"] for t in times), default=None),
            "endTime": max((t["end_time"] for t in times), default=None),
        }
    )
    graph.append(
        {
            "@id": "#organize",
            "@type": "OrganizeAction",
            "name": "Orchestration of the stages by compendium run",
            "instrument": _ref(ENGINE),
            "object": [_ref(f"#control-{name}") for name, _ in done],
            "result": _ref("#run"),
        }
    )
    for position, (name, notebook) in enumerate(done, start=1):
        record = records[name]
        run = record.get("run", {})
        upstream = [f"{u}/" for u in record.get("inputs", {}).get("upstream", {}) if u in records]
        used = sorted(record.get("inputs", {}).get("parameters", {}))
        tool = _repo(notebook, results_dir)
        graph.append(
            {
                "@id": f"#step-{name}",
                "@type": "HowToStep",
                "name": name,
                "position": str(position),
                "workExample": _ref(tool),
            }
        )
        graph.append({"@id": tool, "@type": ["File", "SoftwareApplication"], "name": f"stage notebook {name}"})
        graph.append(
            {
                "@id": f"#control-{name}",
                "@type": "ControlAction",
                "instrument": _ref(f"#step-{name}"),
                "object": _ref(f"#run-{name}"),
            }
        )
        published = [p.removeprefix(f"{PUBLISH_DIR}/") for p in _published(record)]
        graph.append(
            {
                "@id": f"#run-{name}",
                "@type": "CreateAction",
                "name": f"Run of stage {name}",
                "instrument": _ref(tool),
                "object": [
                    _ref(declaration),
                    _ref(data),
                    *(_ref(f"#value-{p}") for p in used if p in parameters),
                    *map(_ref, upstream),
                ],
                "result": [_ref(f"{name}/"), _ref(f"{name}/{name}.ipynb"), *map(_ref, published)],
                "startTime": run.get("start_time"),
                "endTime": run.get("end_time"),
                "engineVersion": run.get("engine_version"),
            }
        )
        graph.append({"@id": f"{name}/", "@type": "Dataset", "name": f"outputs of stage {name}"})
        graph.append({"@id": f"{name}/{name}.ipynb", "@type": "File", "name": f"executed notebook of stage {name}"})
        graph += [{"@id": p, "@type": "File", "name": p} for p in published]
    return {"@context": CONTEXT, "@graph": [_without_none(entity) for entity in graph]}


def _published(record: dict[str, Any] | None) -> list[str]:
    return sorted(p for p in (record or {}).get("outputs", {}) if p.startswith(f"{PUBLISH_DIR}/"))


def _without_none(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entity.items() if value is not None}


def write_crate(results_dir: Path, crate: dict[str, Any]) -> bool:
    """Write ``crate`` to ``results_dir/ro-crate-metadata.json`` when it differs (atomically); True when written."""
    text = json.dumps(crate, indent=2, ensure_ascii=False) + "\n"
    path = results_dir / CRATE_FILE
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return True
