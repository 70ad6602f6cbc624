"""RetryPolicy: defaults, validation on construction, and reading the environment."""

from __future__ import annotations

import dataclasses
import math

import pytest

from boto3_idempotent import ConfigError, RetryPolicy, wrap


def test_defaults_follow_the_client_and_botocore():
    """Unset numbers are None (resolved per client); no deadline, no unsafe retries."""
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.throttle_base_delay) == (None,) * 3
    assert policy.max_delay is None
    assert policy.deadline is None
    assert policy.retry_unsafe is False
    assert dict(policy.sources) == {}


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
        ("max_attempts", "3"),
        ("base_delay", -0.1),
        ("base_delay", math.nan),
        ("base_delay", math.inf),
        ("base_delay", 1e12),  # would overflow time.sleep mid-retry
        ("base_delay", True),
        ("base_delay", "1"),
        ("throttle_base_delay", -1),
        ("throttle_base_delay", 3601),
        ("max_delay", -1.0),
        ("max_delay", math.inf),
        ("max_delay", 1e12),
        ("deadline", 0),
        ("deadline", -5.0),
        ("deadline", math.nan),
        ("retry_unsafe", "yes"),
        ("retry_unsafe", "sqs:SendMessage"),  # a str, not a collection of names
        ("retry_unsafe", ["sqs-SendMessage"]),
        ("retry_unsafe", ["SQS:SendMessage"]),
        ("retry_unsafe", ["sqs:sendMessage"]),
        ("retry_unsafe", [3]),
        ("treat_as_unsafe", "s3:PutObject"),
        ("treat_as_unsafe", ["s3"]),
        ("treat_as_unsafe", None),
        ("on_retry", None),
        ("on_retry", "print"),
        ("on_retry", {"a": print}),
        ("on_retry", 5),
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


@pytest.mark.parametrize("base", ["base_delay", "throttle_base_delay"])
def test_max_delay_below_a_base_delay_is_rejected(base):
    """The cap cannot be below the first backoff."""
    with pytest.raises(ConfigError, match="max_delay"):
        RetryPolicy(**{base: 5.0}, max_delay=1.0)


def test_a_generator_of_hooks_is_kept_not_consumed_by_validation():
    """on_retry=(h for h in ...) is read once and kept as a tuple."""
    hooks = [print, repr]
    policy = RetryPolicy(on_retry=(h for h in hooks))
    assert policy.on_retry == (print, repr)


def test_sources_say_what_was_chosen_in_code():
    """Fields set in code come from "RetryPolicy"; the rest are left to the client."""
    policy = RetryPolicy(max_attempts=4, deadline=2.0)
    assert dict(policy.sources) == {"max_attempts": "RetryPolicy", "deadline": "RetryPolicy"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, RetryPolicy()),
        ({"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "5"}, RetryPolicy(max_attempts=5)),
        ({"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": " 1 "}, RetryPolicy(max_attempts=1)),
        ({"BOTO3_IDEMPOTENT_BASE_DELAY": "0.25"}, RetryPolicy(base_delay=0.25)),
        ({"BOTO3_IDEMPOTENT_BASE_DELAY": "0"}, RetryPolicy(base_delay=0.0)),
        ({"BOTO3_IDEMPOTENT_MAX_DELAY": "5"}, RetryPolicy(max_delay=5.0)),
        ({"BOTO3_IDEMPOTENT_THROTTLE_BASE_DELAY": "2"}, RetryPolicy(throttle_base_delay=2.0)),
        ({"BOTO3_IDEMPOTENT_BASE_DELAY": ".5"}, RetryPolicy(base_delay=0.5)),
        ({"BOTO3_IDEMPOTENT_BASE_DELAY": "5e-2"}, RetryPolicy(base_delay=0.05)),
        ({"BOTO3_IDEMPOTENT_DEADLINE": "2.5"}, RetryPolicy(deadline=2.5)),
        ({"BOTO3_IDEMPOTENT_DEADLINE": ""}, RetryPolicy()),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "true"}, RetryPolicy(retry_unsafe=True)),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "YES"}, RetryPolicy(retry_unsafe=True)),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "1"}, RetryPolicy(retry_unsafe=True)),
        ({"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "off"}, RetryPolicy(retry_unsafe=False)),
        (
            {"BOTO3_IDEMPOTENT_RETRY_UNSAFE": "sqs:SendMessage, lambda:Invoke"},
            RetryPolicy(retry_unsafe=["lambda:Invoke", "sqs:SendMessage"]),
        ),
        (
            {"BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE": "s3:PutObject,"},
            RetryPolicy(treat_as_unsafe={"s3:PutObject"}),
        ),
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
        ("BOTO3_IDEMPOTENT_RETRY_UNSAFE", "sqs:sendMessage"),
        ("BOTO3_IDEMPOTENT_RETRY_UNSAFE", "sqs:SendMessage;lambda:Invoke"),
        ("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", "true"),
        ("BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE", ","),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "three"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "2.5"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "-1"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "\u0663"),  # ARABIC-INDIC DIGIT THREE
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "\uff13"),  # FULLWIDTH DIGIT THREE
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "1_000"),
        ("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "+3"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "1_0"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "\u0661.5"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "1e999"),
        ("BOTO3_IDEMPOTENT_BASE_DELAY", "4000"),
        ("BOTO3_IDEMPOTENT_THROTTLE_BASE_DELAY", "-2"),
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


def test_from_env_accepts_a_base_above_the_default_cap():
    """BASE_DELAY=30 with no MAX_DELAY: the cap is botocore's, lifted to the base (see resolve)."""
    assert RetryPolicy.from_env({"BOTO3_IDEMPOTENT_BASE_DELAY": "30"}).base_delay == 30.0


def test_from_env_reports_every_bad_variable_at_once():
    """Three bad variables: one ConfigError naming all three, in the order of the table."""
    environ = {
        "BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "many",
        "BOTO3_IDEMPOTENT_DEADLINE": "-1",
        "BOTO3_IDEMPOTENT_RETRY_UNSAFE": "perhaps",
    }
    with pytest.raises(ConfigError) as raised:
        RetryPolicy.from_env(environ)
    assert [e.name for e in raised.value.errors] == list(environ)
    for variable, value in environ.items():
        assert f"{variable}={value!r}" in str(raised.value)


def test_from_env_notes_which_variable_set_each_field():
    """Policy and the logs can say where a value came from."""
    policy = RetryPolicy.from_env({"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "2"})
    assert dict(policy.sources) == {"max_attempts": "BOTO3_IDEMPOTENT_MAX_ATTEMPTS"}


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


def test_operation_names_resolve_per_service():
    """A client of one service sees only its own operations of each list."""
    from boto3_idempotent._policy.settings import resolve

    policy = RetryPolicy(
        retry_unsafe=["sqs:SendMessage", "lambda:Invoke"], treat_as_unsafe=["s3:PutObject"]
    )
    sqs = resolve(policy, service_id="sqs", service_name="sqs")
    s3 = resolve(policy, service_id="s3", service_name="s3")

    assert (sqs.retry_unsafe, sqs.retry_unsafe_operations, sqs.treat_as_unsafe) == (
        False,
        frozenset({"SendMessage"}),
        frozenset(),
    )
    assert (s3.retry_unsafe_operations, s3.treat_as_unsafe) == (frozenset(), {"PutObject"})
    assert resolve(RetryPolicy(retry_unsafe=True), service_id="s3", service_name="s3").retry_unsafe


# -- misspelt operation names are refused, with the name meant -----------------------------


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("dynamo:PutItem", "dynamodb:PutItem"),
        ("s3:Putobject", "s3:PutObject"),
        ("sqs:SendMesage", "sqs:SendMessage"),
    ],
)
@pytest.mark.parametrize("field", ["treat_as_unsafe", "retry_unsafe"])
def test_a_misspelt_operation_name_is_refused_with_the_name_meant(field, given, meant):
    """In code and in the environment: ConfigError naming the field and the name meant."""
    with pytest.raises(ConfigError, match=f"did you mean {meant}") as caught:
        RetryPolicy(**{field: [given]})
    assert caught.value.name == field
    variable = f"BOTO3_IDEMPOTENT_{field.upper()}"
    with pytest.raises(ConfigError, match=f"did you mean {meant}") as caught:
        RetryPolicy.from_env({variable: given})
    assert caught.value.name == variable


# -- which bad variable is named first -----------------------------------------------------


def test_a_bad_policy_variable_is_named_before_a_bad_telemetry_switch(monkeypatch, make_client):
    """Both wrong: the policy's variable is the one named, as before the environment cache."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS", "many")
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TELEMETRY", "maybe")

    with pytest.raises(ConfigError) as caught:
        wrap(make_client("ec2"))

    assert caught.value.name == "BOTO3_IDEMPOTENT_MAX_ATTEMPTS"
    monkeypatch.delenv("BOTO3_IDEMPOTENT_MAX_ATTEMPTS")
    with pytest.raises(ConfigError) as again:  # read again: the environment changed
        wrap(make_client("ec2"))
    assert again.value.name == "BOTO3_IDEMPOTENT_TELEMETRY"
