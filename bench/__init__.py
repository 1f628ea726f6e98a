"""Benchmarks for the Performance Platform (``make bench`` / ``python -m bench``).

Each benchmark is a module that registers itself with :func:`register`. A benchmark
is a function ``run(args) -> dict`` that measures something against every database in
``args.databases`` (fresh ones from :func:`bench.common.fresh_database`), prints its own
table and returns a JSON-able result with a ``"passed"`` key. ``python -m bench`` runs them all;
``python -m bench write`` runs one.

To add a benchmark: write ``bench/<name>.py`` with a function decorated by
``@register("<name>", "what it measures")`` and list the module in ``MODULES``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

# Modules that hold benchmarks, in the order ``python -m bench`` runs them.
MODULES = ("bench.write", "bench.memory", "bench.read", "bench.site", "bench.upload")


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    run: Callable


BENCHMARKS: dict[str, Benchmark] = {}


def register(name: str, help: str):
    """Decorator: make ``run(args)`` available as ``python -m bench <name>``."""

    def decorate(func):
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = Benchmark(name, help, func)
        return func

    return decorate


def load_all() -> dict[str, Benchmark]:
    """Import every benchmark module and return the registry."""
    for module in MODULES:
        import_module(module)
    return BENCHMARKS
