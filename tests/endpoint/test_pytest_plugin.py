"""The pytest plugin, as a new user meets it: installed with the package, no conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

PLUGIN = "boto3_idempotent.testing.pytest_plugin"

USER_TESTS = """
import sys

import pytest

import boto3_idempotent
from boto3_idempotent import RetryPolicy, wrap
from boto3_idempotent.testing import Fault

RUN = {"ImageId": "ami-12c6146b", "MinCount": 1, "MaxCount": 1}


def test_loading_the_plugin_imported_no_moto_and_no_boto3():
    assert "moto" not in sys.modules
    assert "boto3" not in sys.modules


def test_retries_do_not_sleep(faulty_endpoint):
    delays = []
    policy = RetryPolicy(max_attempts=4, on_retry=[lambda event: delays.append(event.delay)])
    ec2 = wrap(faulty_endpoint.client("ec2"), policy)
    faulty_endpoint.script("RunInstances", Fault.LOST_RESPONSE, Fault.UNAVAILABLE)

    ec2.run_instances(**RUN)

    assert boto3_idempotent.is_testing()
    assert faulty_endpoint.created("RunInstances") == 1
    assert delays == [0.0, 0.0]


@pytest.mark.boto3_idempotent_sleeps
def test_the_marker_keeps_the_backoff(faulty_endpoint):
    slept = []
    delays = []
    policy = RetryPolicy(max_attempts=4, on_retry=[lambda event: delays.append(event.delay)])
    ec2 = wrap(faulty_endpoint.client("ec2"), policy, sleep=slept.append)
    faulty_endpoint.script("RunInstances", Fault.LOST_RESPONSE, Fault.UNAVAILABLE)

    ec2.run_instances(**RUN)

    assert not boto3_idempotent.is_testing()
    assert len(delays) == 2
    assert all(delay > 0 for delay in delays)
    assert slept == delays


def test_testing_mode_ends_with_the_test():
    assert not boto3_idempotent.is_testing()
"""


def run_pytest(directory, *arguments, env=None):
    """Run pytest in a subprocess, in ``directory``, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        capture_output=True,
        text=True,
        cwd=directory,
        env=env,
        timeout=300,
        check=False,
    )


def test_the_package_registers_the_plugin_with_pytest():
    """The installed package's pytest11 entry point is the plugin module, named like it."""
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}

    assert plugins[PLUGIN] == PLUGIN


def test_a_new_users_test_file_needs_no_conftest_and_sleeps_for_no_backoff(tmp_path):
    """No conftest.py: the fixture is there, retries record zero delays, the marker opts out."""
    (tmp_path / "test_launch.py").write_text(USER_TESTS)

    result = run_pytest(tmp_path, "--strict-markers")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_a_conftest_that_still_names_the_plugin_does_not_register_it_twice(tmp_path):
    """pytest_plugins = [the module] next to the entry point: loaded once, tests pass."""
    (tmp_path / "conftest.py").write_text(f"pytest_plugins = [{PLUGIN!r}]\n")
    (tmp_path / "test_launch.py").write_text(
        "def test_loaded(pytestconfig):\n"
        f"    assert pytestconfig.pluginmanager.get_plugin({PLUGIN!r}) is not None\n"
    )

    result = run_pytest(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def test_pytest_works_without_the_testing_extra(tmp_path):
    """Without moto and boto3, other tests pass; the fixture fails saying what to install."""
    missing = tmp_path / "missing"
    for name in ("moto", "boto3"):
        (missing / name).mkdir(parents=True)
        (missing / name / "__init__.py").write_text(
            f'raise ModuleNotFoundError("No module named {name!r}", name={name!r})\n'
        )
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_plain.py").write_text(
        "def test_plain():\n    assert True\n\n"
        "def test_endpoint(faulty_endpoint):\n    assert False, 'never runs'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(missing)}

    result = run_pytest(tests, env=env)

    assert "1 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert "pip install 'boto3-idempotent[testing]'" in result.stdout


# -- the faulty_endpoint fixture under a profile this machine lacks ------------------------


@pytest.fixture
def missing_profile(monkeypatch):
    """AWS_PROFILE names a profile no config file here has."""
    monkeypatch.setenv("AWS_PROFILE", "a-colleagues-profile")


def test_the_fixture_works_under_a_profile_this_machine_lacks(missing_profile, faulty_endpoint):
    """faulty_endpoint unsets such an AWS_PROFILE for the test: its clients work."""
    import os

    assert "AWS_PROFILE" not in os.environ
    sqs = faulty_endpoint.client("sqs")
    assert sqs.create_queue(QueueName="q")["QueueUrl"].endswith("/q")
