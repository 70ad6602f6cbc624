"""A local AWS endpoint for tests: honours client tokens like AWS, injects faults on a schedule.

Needs the ``testing`` extra (moto's server)::

    pip install "boto3-idempotent[testing]"

See :class:`FaultyEndpoint`, and ``boto3_idempotent.testing.pytest_plugin`` for a
pytest fixture.
"""

from __future__ import annotations

from ._endpoint import DEFAULT_TOKEN_LIFETIMES, FaultyEndpoint, RequestRecord
from ._faults import DEFAULT_FAULTS, Fault, FaultSchedule

__all__ = [
    "DEFAULT_FAULTS",
    "DEFAULT_TOKEN_LIFETIMES",
    "Fault",
    "FaultSchedule",
    "FaultyEndpoint",
    "RequestRecord",
]
