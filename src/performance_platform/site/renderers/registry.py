"""Which function renders each module type.

Each renderer registers itself with :func:`renders`, naming a type from the list in
:mod:`performance_platform.dashboards.module_types`; a name not in that list is refused
when the renderer's module is imported. Sections and tabs (the containers) have no
renderer: :func:`.dispatch.render` lays out their children itself.
"""

from collections.abc import Callable

from performance_platform.dashboards.module_types import TYPES

#: ``{type: renderer}``. A renderer is called as
#: ``renderer(view, rows, options, params, *, annotations, full, now)`` and fills in ``view``.
RENDERERS: dict[str, Callable] = {}
#: ``{type: params(module, now)}``: read-API parameters a type adds to its module's query.
EXTRA_PARAMS: dict[str, Callable] = {}


def renders(type_name: str, *, params: Callable | None = None) -> Callable:
    """Register the decorated function as the renderer of the module type ``type_name``,
    and ``params`` (if given) as the parameters it adds to the module's query."""
    kind = TYPES.get(type_name)
    if kind is None:
        raise ValueError(f"{type_name!r} is not a module type (see dashboards.module_types)")
    if kind.container:
        raise ValueError(f"a {type_name} holds other modules: it has no renderer of its own")

    def register(function: Callable) -> Callable:
        if type_name in RENDERERS:
            raise ValueError(
                f"{type_name!r} has a renderer already: {RENDERERS[type_name].__qualname__}"
            )
        RENDERERS[type_name] = function
        if params is not None:
            EXTRA_PARAMS[type_name] = params
        return function

    return register
