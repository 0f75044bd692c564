"""Make dist-info folders for dezero-plug and the plugins in the working tree, for a machine where pip cannot build.

``python benchmarks/make_site.py DIR`` writes DIR/<name>-<version>.dist-info (METADATA and entry_points.txt
read from each pyproject.toml); put DIR, the repository root and each plugin's src on PYTHONPATH and the
entry points are discovered as if the distributions were installed.
"""

import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [ROOT, *sorted((ROOT / "plugins").glob("dezero-plug-*"))]


def main(site: Path) -> None:
    site.mkdir(parents=True, exist_ok=True)
    for project in PROJECTS:
        meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
        version = meta.get("version") or (ROOT / "dezero_plug" / "_version.py").read_text().split('"')[1]
        info = site / f"{meta['name'].replace('-', '_')}-{version}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {version}\n")
        lines = []
        for group, points in meta.get("entry-points", {}).items():
            lines.append(f"[{group}]")
            lines += [f"{name} = {target}" for name, target in points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        print(f"{info.name}: {', '.join(meta.get('entry-points', {}))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
