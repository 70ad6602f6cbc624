"""The client's own retry budget counts when the library's settings do not say otherwise."""

from __future__ import annotations

import warnings

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from boto3_idempotent import RetryModeWarning, RetryPolicy, wrap
from boto3_idempotent._policy.standard_mode import installed
from helpers.wire import Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def attempts_in_an_outage(client, server) -> int:
    """Attempts one RunInstances makes against a persistent 503."""
    server.script = lambda seen, prior: Reply(503, "Unavailable")
    with pytest.raises(ClientError):
        client.run_instances(**RUN)
    return server.count()


def bare(endpoint, config=None, **session_kwargs):
    """A client from a fresh session, as a user's code would make it."""
    session = boto3.Session(region_name="us-east-1", **CREDENTIALS, **session_kwargs)
    return session.client("ec2", endpoint_url=endpoint, config=config)


@pytest.mark.parametrize(
    ("retries", "expected"),
    [
        ({"total_max_attempts": 5}, 5),  # attempts
        ({"max_attempts": 4}, 5),  # retries: botocore adds the first attempt
        ({"total_max_attempts": 1}, 1),
        ({"mode": "legacy", "total_max_attempts": 2}, 2),
    ],
)
def test_the_clients_config_sets_the_attempts(endpoint, server, retries, expected):
    """Config(retries=...) counts, with botocore's meanings of its two keys."""
    client = wrap(bare(endpoint, Config(retries=retries)), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == expected


def test_aws_max_attempts_counts(endpoint, server, monkeypatch):
    """AWS_MAX_ATTEMPTS=2 (attempts, first included) for a client made after it is set."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    client = wrap(bare(endpoint), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == 2


def test_the_profiles_max_attempts_counts(endpoint, server, monkeypatch, tmp_path):
    """max_attempts in the profile's config counts too."""
    config = tmp_path / "config"
    config.write_text("[profile ops]\nmax_attempts = 4\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    client = wrap(bare(endpoint, profile_name="ops"), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == 4


def test_the_librarys_variable_wins_over_the_client(endpoint, server, monkeypatch):
    """BOTO3_IDEMPOTENT_MAX_ATTEMPTS=2 beats Config(total_max_attempts=5)."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "2")
    client = wrap(bare(endpoint, Config(retries={"total_max_attempts": 5})), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == 2


def test_a_policy_in_code_wins_over_the_client(endpoint, server):
    """RetryPolicy(max_attempts=2) beats the client's 5."""
    client = bare(endpoint, Config(retries={"total_max_attempts": 5}))
    wrap(client, RetryPolicy(max_attempts=2), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == 2


def test_a_policy_without_attempts_leaves_them_to_the_client(endpoint, server):
    """RetryPolicy(deadline=...) sets no attempts: the client's budget still counts."""
    client = bare(endpoint, Config(retries={"total_max_attempts": 4}))
    wrap(client, RetryPolicy(deadline=60.0), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == 4


def test_nothing_set_means_botocores_default(endpoint, server):
    """No setting anywhere: botocore's standard-mode attempts for the service."""
    client = wrap(bare(endpoint), sleep=lambda _: None)
    assert attempts_in_an_outage(client, server) == installed().attempts_for("ec2")


@pytest.mark.parametrize("mode", ["standard", "legacy", "adaptive"])
def test_no_mode_warns(endpoint, mode):
    """Adaptive mode's rate limiting is kept (tests/policy/test_adaptive.py): no mode warns."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wrap(bare(endpoint, Config(retries={"mode": mode})))
    assert not [w for w in caught if issubclass(w.category, RetryModeWarning)]
