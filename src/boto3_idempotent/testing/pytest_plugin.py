"""pytest fixtures for the fault-injecting endpoint.

Installed with the package as a ``pytest11`` entry point: take ``faulty_endpoint``
in a test, no ``conftest.py`` needed. One server runs per test session, started
by the first test that asks; each test gets it reset (no records, no resources,
no remembered tokens, no faults) and runs in testing mode: wrapped clients
retry without backoff sleeps. ``@pytest.mark.boto3_idempotent_sleeps`` keeps the
sleeps in a test.

pytest loads this module in every run of every project that has the package
installed, so importing it imports no moto, no boto3 and starts nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._endpoint import FaultyEndpoint

#: The marker that keeps backoff sleeps in a test using ``faulty_endpoint``.
SLEEPS_MARKER = "boto3_idempotent_sleeps"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        f"{SLEEPS_MARKER}: keep the retry backoff sleeps of wrapped clients in a test "
        "that uses faulty_endpoint (by default it runs in set_testing(True))",
    )


@pytest.fixture(scope="session")
def _boto3_idempotent_endpoint() -> Iterator[FaultyEndpoint]:
    from ._endpoint import FaultyEndpoint  # noqa: PLC0415  (nothing loads until a test asks)

    with FaultyEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def faulty_endpoint(
    _boto3_idempotent_endpoint: FaultyEndpoint,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FaultyEndpoint]:
    """A running ``FaultyEndpoint``, reset, with no random faults until you set some.

    The test runs in testing mode (no backoff sleeps; a cap on attempts set before
    stays), restored afterwards; ``@pytest.mark.boto3_idempotent_sleeps`` opts out.
    An ``AWS_PROFILE`` naming a profile this machine lacks (a CI runner, a colleague's
    shell) is unset for the test: the endpoint's clients carry their own credentials,
    and boto3 would refuse to make any client under it.
    """
    from boto3_idempotent._policy import testing_mode as _testing_mode  # noqa: PLC0415

    from ._faults import FaultSchedule  # noqa: PLC0415

    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if not _profile_exists(os.environ.get(variable)):
            monkeypatch.delenv(variable)

    endpoint = _boto3_idempotent_endpoint
    endpoint.reset()
    endpoint.schedule = FaultSchedule()
    if request.node.get_closest_marker(SLEEPS_MARKER) is not None:
        yield endpoint
        return
    with _testing_mode.set_testing(True, attempts=_testing_mode.current().attempts):
        yield endpoint


def _profile_exists(name: str | None) -> bool:
    """Whether the shared config files define profile ``name`` (unset: yes, nothing to do)."""
    if not name:
        return True
    from boto3_idempotent._knowledge.known import models_session  # noqa: PLC0415

    session: Any = models_session()
    return name in session.full_config.get("profiles", {})
