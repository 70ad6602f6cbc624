"""RetryPolicy: defaults, validation on construction, and reading the environment."""

from __future__ import annotations

import dataclasses
import math

import pytest

from boto3_idempotent import ConfigError, RetryPolicy


def test_defaults_are_botocore_standard_modes():
    """3 attempts, 1 s base, 20 s cap, no deadline, no unsafe retries."""
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.max_delay) == (3, 1.0, 20.0)
    assert policy.deadline is None
    assert policy.retry_unsafe is False


def test_policy_is_frozen():
    """A policy is a value: it cannot change under a client that uses it."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        RetryPolicy().max_attempts = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_attempts", 0),
        ("max_attempts", -1),
        ("max_attempts", 2.5),
        ("max_attempts", True),
        ("base_delay", -0.1),
        ("base_delay", math.nan),
        ("base_delay", math.inf),
        ("max_delay", -1.0),
        ("max_delay", math.inf),
        ("deadline", 0),
        ("deadline", -5.0),
        ("deadline", math.nan),
        ("retry_unsafe", "yes"),
    ],
)
def test_invalid_values_raise_config_error_naming_the_field(field, value):
    """Each bad value names its field and says what was expected."""
    with pytest.raises(ConfigError) as raised:
        RetryPolicy(**{field: value})
    assert raised.value.name == field
    assert str(raised.value).startswith(f"{field}=")
    assert "expected" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_max_delay_below_base_delay_is_rejected():
    """The cap cannot be below the first backoff."""
    with pytest.raises(ConfigError, match="max_delay"):
        RetryPolicy(base_delay=5.0, max_delay=1.0)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, RetryPolicy()),
        ({"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "5"}, RetryPolicy(max_attempts=5)),
        ({"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": " 1 "}, RetryPolicy(max_attempts=1)),
        ({"BOTO3_IDEMPOTENT_BASE_DELAY": "0.25"}, RetryPolicy(base_delay=0.25)),
        ({"BOTO3_IDEMPOTENT_BASE_DELAY": "0"}, RetryPolicy(base_delay=0.0)),
        ({"BOTO3_IDEMPOTENT_MAX_DELAY": "5"}, RetryPolicy(max_delay=5.0)),
        ({"BOTO3_IDEMPOTENT_DEADLINE": "2.5"}, RetryPolicy(deadline=2.5)),
        ({"BOTO3_IDEMPOTENT_DEADLINE": ""}, RetryPolicy()),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "true"}, RetryPolicy(retry_unsafe=True)),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "YES"}, RetryPolicy(retry_unsafe=True)),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "1"}, RetryPolicy(retry_unsafe=True)),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "off"}, RetryPolicy(retry_unsafe=False)),
        ({"AWS_MAX_ATTEMPTS": "9"}, RetryPolicy()),  # botocore's variable is not ours
    ],
)
def test_from_env_reads_each_variable(environ, expected):
    """Every variable, each way of saying it; unset and empty keep the default."""
    assert RetryPolicy.from_env(environ) == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "0"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "three"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "2.5"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "-1"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "-1"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "nan"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "soon"),
        ("BOTO3_IDEMPOTENT_MAX_DELAY", "inf"),
        ("BOTO3_IDEMPOTENT_DEADLINE", "0"),
        ("BOTO3_IDEMPOTENT_DEADLINE", "-3"),
        ("BOTO3_IDEMPOTENT_DEADLINE", "Infinity"),
        ("BOTO3_IDEMPOTENT_RETRY_UNSAFE", "maybe"),
        ("BOTO3_IDEMPOTENT_RETRY_UNSAFE", "2"),
    ],
)
def test_from_env_names_the_variable_the_value_and_the_form(variable, value):
    """A bad value raises ConfigError saying which variable, what it held, what it wants."""
    with pytest.raises(ConfigError) as raised:
        RetryPolicy.from_env({variable: value})
    message = str(raised.value)
    assert message.startswith(f"{variable}={value!r} is invalid: expected ")
    assert raised.value.name == variable


def test_from_env_blames_the_variable_that_was_set_when_delays_clash():
    """BASE_DELAY=30 against the default 20 s cap: the message names BASE_DELAY and the cap."""
    with pytest.raises(ConfigError) as raised:
        RetryPolicy.from_env({"BOTO3_IDEMPOTENT_BASE_DELAY": "30"})
    assert raised.value.name == "BOTO3_IDEMPOTENT_BASE_DELAY"
    assert "20.0" in str(raised.value)


def test_from_env_blames_max_delay_when_both_are_set():
    """Both set and clashing: MAX_DELAY is the one that is too small."""
    with pytest.raises(ConfigError) as raised:
        RetryPolicy.from_env(
            {"BOTO3_IDEMPOTENT_BASE_DELAY": "3", "BOTO3_IDEMPOTENT_MAX_DELAY": "2"}
        )
    assert raised.value.name == "BOTO3_IDEMPOTENT_MAX_DELAY"


def test_from_env_defaults_to_os_environ(monkeypatch):
    """No mapping given: os.environ is read."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "7")
    assert RetryPolicy.from_env().max_attempts == 7
