"""The consensus report (stage 05): one self-contained HTML page built only from the results of
stages 01-04, rendered with a Jinja2 template (autoescape on).

Modules: :mod:`~compendium.report.inputs` (reading stage results and figures),
:mod:`~compendium.report.provenance` (checksums, versions, commit, run date),
:mod:`~compendium.report.guidance` (the safety statements and their evidence, as data),
:mod:`~compendium.report.build` (the report's tables, the template context, rendering).
"""

from compendium.report.build import REPORT_FILE, RUN_DATE_MARKER, render_html, report_tables, write_report

__all__ = ["REPORT_FILE", "RUN_DATE_MARKER", "render_html", "report_tables", "write_report"]
