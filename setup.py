"""Build hook: the wheel carries the stage notebooks and the example reviews as package data.

They stay where users of this repository know them (``notebooks/``, ``examples/``); building the
wheel copies them into ``compendium/notebooks`` and ``compendium/examples`` (and the data-package
schema into ``compendium/schemas``), where
:func:`compendium.paths.engine_file` finds them when the engine is installed outside a checkout.
An editable install reads them from the checkout instead.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: (folder of the checkout, glob of the files it ships, folder inside the package)
SHIPPED = (
    ("notebooks", "[0-9][0-9]_*.ipynb", "notebooks"),
    ("examples", "*/review.yaml", "examples"),
    ("examples", "*/data/raw/*", "examples"),
    # the engine's data-package schema (this repository's review uses it as is): compendium.schemas
    ("data/raw", "datapackage.yaml", "schemas"),
    # the third-party pins and default parameters a new review folder gets (compendium.scaffold)
    (".", "requirements.lock", "scaffold/template"),
    (".", "params.yaml", "scaffold/template"),
)


class BuildWithEngineFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "compendium"
        for folder, pattern, destination in SHIPPED:
            for source in sorted((HERE / folder).glob(pattern)):
                target = package / destination / source.relative_to(HERE / folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithEngineFiles})
