"""A local AWS endpoint for tests: honours client tokens like AWS, injects faults on a schedule.

Needs the ``testing`` extra (moto's server)::

    pip install "boto3-idempotent[testing]"

See ``FaultyEndpoint``, and ``boto3_idempotent.testing.pytest_plugin`` for the
``faulty_endpoint`` pytest fixture (registered when the package is installed).

The names load on first use: pytest imports this package for the plugin in every
run, most of which never touch the endpoint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._contract import DEFAULT_TOKEN_LIFETIMES
    from ._endpoint import ClientKwargs, FaultyEndpoint, RequestRecord
    from ._faults import DEFAULT_FAULTS, Fault, FaultSchedule

__all__ = [
    "DEFAULT_FAULTS",
    "DEFAULT_TOKEN_LIFETIMES",
    "ClientKwargs",
    "Fault",
    "FaultSchedule",
    "FaultyEndpoint",
    "RequestRecord",
]

_MODULES = {
    "DEFAULT_FAULTS": "._faults",
    "DEFAULT_TOKEN_LIFETIMES": "._contract",
    "ClientKwargs": "._endpoint",
    "Fault": "._faults",
    "FaultSchedule": "._faults",
    "FaultyEndpoint": "._endpoint",
    "RequestRecord": "._endpoint",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first asked for."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not."""
    return sorted(__all__)
