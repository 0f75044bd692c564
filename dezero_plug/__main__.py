"""``python -m dezero_plug plugins|ops|backends``: what is installed, who provides each name, what runs here;
``python -m dezero_plug new-plugin NAME``: a ready op-plugin distribution to start from."""

from __future__ import annotations

import argparse
import sys

from dezero_plug import backends
from dezero_plug import kinds
from dezero_plug.plugins import plugin_manager
from dezero_plug.registry import overlaps


def show_plugins() -> None:
    """Every plugin: where it came from, its status, what it registered or why it failed."""
    plugin_manager.settle()
    for record in plugin_manager.records.values():
        print(f"{record.name}  [{record.origin}]  {record.status}")
        if record.requires:
            print(f"    requires: {', '.join(record.requires)}")
        if record.error:
            print(f"    {'error' if record.status == 'failed' else 'why'}: {record.error}")
        for kind, names in record.exports.items():
            if names:
                shown = ", ".join(sorted(n if isinstance(n, str) else f"{n[0].__name__}@{n[1]}" for n in names))
                print(f"    {kind}: {shown}")
            if kind == "communicators":  # one that cannot run here says what to install
                for name, cls in names.items():
                    reason = cls.unavailable_reason()
                    if reason is not None:
                        print(f"    communicator {name} cannot run here: {reason}")
    for error in plugin_manager.conflicts.values():
        print(f"conflict: {error}")


def show_ops() -> None:
    """Every exported name of every kind, with the plugin that provides it (like pytest --fixtures)."""
    plugin_manager.settle()
    for kind in kinds.REGISTERED:
        providers = plugin_manager.providers.get(kind.name, {})
        if kind.name == "kernels" or not providers:
            continue
        print(f"{kind.name}:")
        for name in sorted(providers):
            record = providers[name]
            module = record.module.__name__ if record.module is not None and hasattr(record.module, "__name__") else "?"
            print(f"    {name:<32} {record.name} ({module})")
    for (kind, name), error in plugin_manager.conflicts.items():
        print(f"conflict: {kinds.noun(kind)} {name!r}: {error}")


def show_backends() -> None:
    """Every backend: its device kind, capabilities, whether it can run here (and why not); overlaps."""
    for name, backend in backends.registered().items():
        reason = backend.unavailable_reason()
        state = "usable" if reason is None else f"unusable: {reason}"
        traits = [t for t, on in (("mutable", backend.mutable_arrays), ("float64", backend.float64)) if on]
        traits += ["own generator"] if backend.own_generator else []
        print(f"{name:<20} {backend.device_kind:<4} {state}  [{', '.join(traits) or 'immutable, no float64'}]")
    for declared, names in overlaps(backends.registered().values()).items():
        print(f"overlap: {declared} is declared by {', '.join(names)}: its arrays are refused until one is blocked")


COMMANDS = {"plugins": show_plugins, "ops": show_ops, "backends": show_backends}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dezero_plug", description=__doc__)
    parser.add_argument("command", choices=[*sorted(COMMANDS), "new-plugin"], help="what to list, or new-plugin")
    parser.add_argument("name", nargs="?", help="new-plugin: the plugin's name (a lower-case identifier)")
    args = parser.parse_args(argv)
    if args.command == "new-plugin":
        from dezero_plug.scaffold import new_plugin

        if not args.name:
            parser.error("new-plugin needs a NAME: python -m dezero_plug new-plugin NAME")
        try:
            root = new_plugin(args.name)
        except ValueError as exc:
            parser.error(str(exc))
        print(f"wrote {root}/: pip install ./{args.name} && pytest {args.name}/tests")
        return 0
    COMMANDS[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
