"""Unknown BOTO3_IDEMPOTENT_* variables: named, with the one meant, never silently ignored."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import boto3
import pytest

from boto3_idempotent import ConfigWarning, install, wrap
from boto3_idempotent import _env_names as env_names
from boto3_idempotent._config import ENV_VARS
from boto3_idempotent._env_names import unknown_variables

SRC = Path(env_names.__file__).parent

# A valid value for every variable the library reads.
KNOWN_VALUES = {
    "BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "3",
    "BOTO3_IDEMPOTENT_BASE_DELAY": "0.1",
    "BOTO3_IDEMPOTENT_THROTTLE_BASE_DELAY": "1",
    "BOTO3_IDEMPOTENT_MAX_DELAY": "20",
    "BOTO3_IDEMPOTENT_DEADLINE": "60",
    "BOTO3_IDEMPOTENT_RETRY_UNSAFE": "false",
    "BOTO3_IDEMPOTENT_TREAT_AS_UNSAFE": "s3:PutObject",
    "BOTO3_IDEMPOTENT_LAMBDA_MARGIN": "1",
    "BOTO3_IDEMPOTENT_TOKEN_SECRET": "not-a-real-secret",
    "BOTO3_IDEMPOTENT_TELEMETRY": "off",
    "BOTO3_IDEMPOTENT_JOURNAL_TABLE": "journal",
    "BOTO3_IDEMPOTENT_JOURNAL_EXPIRES_AFTER": "3600",
}


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch):
    """Each test starts as a new process would: no variable warned about yet."""
    monkeypatch.setattr(env_names, "_warned", set())


def client():
    """A boto3 client that is never called (nothing is sent)."""
    return boto3.client(
        "ec2",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def run_policy(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m boto3_idempotent policy` in a fresh interpreter, with ``env`` added."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOTO3_IDEMPOTENT_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
    )


def test_wrap_names_a_misspelt_variable_and_the_one_meant(monkeypatch):
    """BOTO3_IDEMPOTENT_MAX_ATTEMPT: a ConfigWarning naming it and ..._MAX_ATTEMPTS, at our line."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_ATTEMPT", "5")

    with pytest.warns(ConfigWarning) as record:
        wrap(client())

    assert len(record) == 1
    message = str(record[0].message)
    assert "BOTO3_IDEMPOTENT_MAX_ATTEMPT is not a boto3-idempotent variable" in message
    assert "did you mean BOTO3_IDEMPOTENT_MAX_ATTEMPTS?" in message
    assert record[0].filename == __file__


def test_the_warning_is_a_user_warning():
    """`-W ignore::UserWarning` and `except UserWarning` cover it."""
    assert issubclass(ConfigWarning, UserWarning)


def test_each_name_is_warned_about_once_per_process(monkeypatch):
    """A second wrap() says nothing more; a new unknown name later gets its own warning."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_DEADLNE", "30")
    with pytest.warns(ConfigWarning, match="did you mean BOTO3_IDEMPOTENT_DEADLINE"):
        wrap(client())
    suggested: list[str] = []
    meant = env_names._meant
    monkeypatch.setattr(
        env_names, "_meant", lambda name, known: suggested.append(name) or meant(name, known)
    )

    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        wrap(client())
        wrap(client())
    assert again == []
    assert suggested == []  # no close-match search for a name already reported

    monkeypatch.setenv("BOTO3_IDEMPOTENT_MAX_DELAYS", "5")
    with pytest.warns(ConfigWarning, match="BOTO3_IDEMPOTENT_MAX_DELAYS") as later:
        wrap(client())
    assert len(later) == 1
    assert suggested == ["BOTO3_IDEMPOTENT_MAX_DELAYS"]


def test_install_warns_the_same_way(monkeypatch):
    """install() (every session's clients) names the misspelt variable too."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRT", "x")

    with pytest.warns(ConfigWarning, match="did you mean BOTO3_IDEMPOTENT_TOKEN_SECRET"):
        install()


def test_every_known_variable_set_warns_nothing(monkeypatch):
    """All ten variables, set to valid values: no warning (filterwarnings=error would fail)."""
    for name, value in KNOWN_VALUES.items():
        monkeypatch.setenv(name, value)

    wrap(client())
    install()


def test_a_lowercase_spelling_is_named_with_the_real_one(monkeypatch):
    """boto3_idempotent_deadline is another variable on POSIX: ignored, so warned about."""
    if sys.platform == "win32":
        pytest.skip("Windows variable names are case-insensitive")
    monkeypatch.setenv("boto3_idempotent_deadline", "30")

    with pytest.warns(ConfigWarning, match="did you mean BOTO3_IDEMPOTENT_DEADLINE"):
        wrap(client())


def test_a_name_close_to_none_lists_the_known_variables(monkeypatch):
    """No close match: the warning lists every variable instead of guessing."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_XYZZY", "1")

    with pytest.warns(ConfigWarning) as record:
        wrap(client())

    message = str(record[0].message)
    assert "did you mean" not in message
    assert all(name in message for name in KNOWN_VALUES)


def test_other_prefixes_are_not_ours(monkeypatch):
    """Only the BOTO3_IDEMPOTENT_ prefix is checked: BOTO3_FOO, AWS_* pass silently."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT", "1")  # no trailing underscore: not a variable of ours
    monkeypatch.setenv("BOTO3_FOO", "1")
    monkeypatch.setenv("AWS_MAX_ATTEMPT", "1")

    wrap(client())


def test_the_known_variables_are_every_one_the_source_names():
    """Every BOTO3_IDEMPOTENT_* name in src/ is known: a new variable cannot be warned about."""
    named = {
        match
        for path in SRC.rglob("*.py")
        for match in re.findall(r"BOTO3_IDEMPOTENT_[A-Z][A-Z0-9_]*", path.read_text("utf-8"))
    }

    known = env_names.known_variables()
    assert named <= known
    assert known == set(KNOWN_VALUES)
    assert set(ENV_VARS.values()) <= known


def test_policy_names_the_misspelt_variable_on_stderr_and_exits_0():
    """`BOTO3_IDEMPOTENT_MAX_ATTEMPT=5 policy`: one stderr line naming both; the table as usual."""
    result = run_policy(env={"BOTO3_IDEMPOTENT_MAX_ATTEMPT": "5"})

    assert result.returncode == 0
    expected = (
        "python -m boto3_idempotent policy: BOTO3_IDEMPOTENT_MAX_ATTEMPT is not a boto3-idempotent"
        " variable and is ignored; did you mean BOTO3_IDEMPOTENT_MAX_ATTEMPTS?"
    )
    assert result.stderr.splitlines() == [expected]
    assert result.stdout.startswith("max_attempts ")


def test_policy_json_stays_clean_json_with_a_misspelt_variable():
    """--json: the line goes to stderr, stdout still parses."""
    result = run_policy("--json", env={"BOTO3_IDEMPOTENT_RETRY_UNSAF": "true"})

    assert result.returncode == 0
    assert "did you mean BOTO3_IDEMPOTENT_RETRY_UNSAFE?" in result.stderr
    assert json.loads(result.stdout)["retry_unsafe"] == {"value": False, "source": "default"}


def test_policy_with_a_bad_variable_too_still_exits_2_and_names_both():
    """An unknown name does not change the exit status a bad value gives (2)."""
    result = run_policy(
        env={"BOTO3_IDEMPOTENT_MAX_ATTEMPTS": "x", "BOTO3_IDEMPOTENT_MAX_DELAI": "5"}
    )

    assert result.returncode == 2
    assert "did you mean BOTO3_IDEMPOTENT_MAX_DELAY?" in result.stderr
    assert "BOTO3_IDEMPOTENT_MAX_ATTEMPTS='x' is invalid" in result.stderr


# -- a misspelt prefix ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("BOTO3_IDEMPOTNET_MAX_ATTEMPTS", "BOTO3_IDEMPOTENT_MAX_ATTEMPTS"),
        ("BOTO_IDEMPOTENT_DEADLINE", "BOTO3_IDEMPOTENT_DEADLINE"),
        ("BOTO3IDEMPOTENT_TOKEN_SECRET", "BOTO3_IDEMPOTENT_TOKEN_SECRET"),
    ],
)
def test_a_misspelt_prefix_is_named(name, meant):
    """A typo in the prefix itself is no longer silent, when a variable is close."""
    assert unknown_variables({name: "1"}) == [(name, meant)]


def test_an_unrelated_variable_sharing_the_prefix_shape_is_not_named():
    """BOTO3_IDEMPOTENCY_TABLE (the application's own): nothing close, nothing said."""
    assert unknown_variables({"BOTO3_IDEMPOTENCY_TABLE": "orders"}) == []
