"""pytest fixtures for the fault-injecting endpoint.

Enable in a ``conftest.py``::

    pytest_plugins = ["boto3_idempotent.testing.pytest_plugin"]

then take ``faulty_endpoint`` in a test. One server runs per test session; each
test gets it reset (no records, no resources, no remembered tokens, no faults).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._endpoint import FaultyEndpoint
from ._faults import FaultSchedule


@pytest.fixture(scope="session")
def _boto3_idempotent_endpoint() -> Iterator[FaultyEndpoint]:
    with FaultyEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def faulty_endpoint(_boto3_idempotent_endpoint: FaultyEndpoint) -> FaultyEndpoint:
    """A running :class:`FaultyEndpoint`, reset, with no random faults until you set some."""
    _boto3_idempotent_endpoint.reset()
    _boto3_idempotent_endpoint.schedule = FaultSchedule()
    return _boto3_idempotent_endpoint
