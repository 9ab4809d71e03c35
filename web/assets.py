"""Copy the front-end packages the app serves from node_modules into web/static/vendor.

Run by the Makefile after `npm ci`; the app never loads anything from a CDN.
`python -m web.assets` exits non-zero, naming the file, when a package is missing.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"

# (source under node_modules, destination under static/vendor); a source ending in / copies a folder
FILES = [
    ("bootstrap/dist/css/bootstrap.rtl.min.css", "bootstrap/bootstrap.rtl.min.css"),
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("vazirmatn/Vazirmatn-Variable-font-face.css", "vazirmatn/Vazirmatn-Variable-font-face.css"),
    ("vazirmatn/fonts/webfonts/", "vazirmatn/fonts/webfonts/"),
    ("vazirmatn/OFL.txt", "vazirmatn/OFL.txt"),
    ("@majidh1/jalalidatepicker/dist/jalalidatepicker.min.js", "jalalidatepicker/jalalidatepicker.min.js"),
    ("@majidh1/jalalidatepicker/dist/jalalidatepicker.min.css", "jalalidatepicker/jalalidatepicker.min.css"),
    ("bpmn-js/dist/bpmn-navigated-viewer.production.min.js", "bpmn-js/bpmn-navigated-viewer.production.min.js"),
    ("bpmn-js/dist/bpmn-modeler.production.min.js", "bpmn-js/bpmn-modeler.production.min.js"),
    ("bpmn-js/dist/assets/", "bpmn-js/assets/"),
    ("dmn-js/dist/dmn-modeler.production.min.js", "dmn-js/dmn-modeler.production.min.js"),
    ("dmn-js/dist/assets/", "dmn-js/assets/"),
    ("chart.js/dist/chart.umd.min.js", "chart.js/chart.umd.min.js"),
]


def copy_assets(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> list[str]:
    """Copy every listed file; returns the sources that are missing (nothing is copied then)."""
    missing = [src for src, _ in FILES if not (node_modules / src.rstrip("/")).exists()]
    if missing:
        return missing
    for src, dest in FILES:
        source, target = node_modules / src.rstrip("/"), vendor / dest.rstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    return []


def main() -> int:
    missing = copy_assets()
    for src in missing:
        print(f"missing front-end file: node_modules/{src} (run `npm ci`)", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
