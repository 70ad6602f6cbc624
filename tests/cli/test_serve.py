"""`python -m boto3_idempotent serve`: export its lines, and the examples run as written."""

from __future__ import annotations

import errno
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="stops the server with SIGINT and SIGTERM"
)

EXPORTED = (
    "AWS_ENDPOINT_URL",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_EC2_METADATA_DISABLED",
)

# README's example, as written: no endpoint, region or credentials in the code.
EXAMPLE = """\
import boto3
from boto3_idempotent import wrap
ec2 = wrap(boto3.client("ec2"))
print(ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"])
"""


def base_environ(tmp_path) -> dict[str, str]:
    """A minimal environment: PATH and HOME, no AWS_* but config files that do not exist."""
    environ = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    if "PYTHONPATH" in os.environ:  # an uninstalled checkout
        environ["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return environ


class Served:
    """`serve` in a subprocess: its export lines, parsed, and a way to stop it."""

    def __init__(self, tmp_path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "boto3_idempotent", "serve", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=base_environ(tmp_path),
        )
        self.stdout = self._read_stdout()
        self.exports = dict(parse_export(line) for line in self.stdout.splitlines())

    def _read_stdout(self) -> str:
        """Stdout up to its end: serve closes it after the export lines."""
        chunks: list[str] = []
        assert self.process.stdout is not None
        reader = threading.Thread(target=lambda: chunks.append(self.process.stdout.read()))
        reader.start()
        reader.join(timeout=30)  # a failure is told in seconds, not minutes
        if reader.is_alive():
            self.process.kill()
            reader.join(timeout=30)
            pytest.fail("serve printed no export lines in time")
        return "".join(chunks)

    def stop(self, number: int = signal.SIGINT) -> tuple[int, str]:
        """Send ``number``; the exit status and stderr."""
        self.process.send_signal(number)
        _, stderr = self.process.communicate(timeout=60)
        return self.process.returncode, stderr

    def kill(self) -> None:
        """Whatever happened: the process does not outlive the test."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=60)


def parse_export(line: str) -> tuple[str, str]:
    """``export NAME=value`` as (NAME, value), the way a POSIX shell reads it."""
    words = shlex.split(line)
    assert len(words) == 2, line
    assert words[0] == "export", line
    name, _, value = words[1].partition("=")
    return name, value


@pytest.fixture
def serve(tmp_path):
    """Start `serve --port 0 [args]`; every server started is killed after the test."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = Served(tmp_path, *args)
        started.append(served)
        return served

    yield start
    for served in started:
        served.kill()


def test_serve_prints_exports_that_run_the_example_as_written(serve, tmp_path):
    """A fresh process with only the exported variables launches one instance; SIGINT exits 0."""
    served = serve()

    assert list(served.exports) == list(EXPORTED)
    assert served.exports["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    environ = {**base_environ(tmp_path), **served.exports}
    result = subprocess.run(
        [sys.executable, "-c", EXAMPLE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environ,
    )
    assert result.returncode == 0, result.stderr
    instance_id = result.stdout.strip()
    assert instance_id.startswith("i-")

    bare = boto3.client(
        "ec2",
        endpoint_url=served.exports["AWS_ENDPOINT_URL"],
        region_name=served.exports["AWS_DEFAULT_REGION"],
        aws_access_key_id=served.exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=served.exports["AWS_SECRET_ACCESS_KEY"],
    )
    reservations = bare.describe_instances()["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [instance_id]

    status, stderr = served.stop(signal.SIGINT)
    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert "# serving " + served.exports["AWS_ENDPOINT_URL"] in stderr


def test_serve_stops_cleanly_on_sigterm(serve):
    """SIGTERM (kill, a process manager) stops it like Ctrl-C: exit 0, no traceback."""
    served = serve()

    status, stderr = served.stop(signal.SIGTERM)

    assert status == 0, stderr
    assert "Traceback" not in stderr


def test_serve_injects_faults_only_when_asked(serve):
    """--fault-rate 1 faults the first request of a client without retries; the default none."""
    faulty = serve("--fault-rate", "1", "--seed", "7")
    clean = serve()

    def describe(served: Served):
        client = boto3.client(
            "ec2",
            endpoint_url=served.exports["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        return client.describe_instances()

    with pytest.raises((ClientError, BotoCoreError)):
        describe(faulty)
    assert describe(clean)["Reservations"] == []


def test_serve_with_faults_names_a_fault_free_url(serve):
    """--fault-rate 1: stderr names moto's own URL, where state reads back without faults."""
    import re

    faulty = serve("--fault-rate", "1", "--seed", "7")
    assert faulty.process.stderr is not None
    found = None
    for _ in range(5):  # the line follows "# serving ... until Ctrl-C"
        line = faulty.process.stderr.readline()
        found = re.search(r"fault-free, to read back state: AWS_ENDPOINT_URL=(\S+)", line)
        if found:
            break
    assert found is not None
    client = boto3.client(
        "ec2",
        endpoint_url=found.group(1),
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )
    assert client.describe_instances()["Reservations"] == []


def test_serve_on_a_port_in_use_exits_2_naming_the_port(tmp_path):
    """Another socket listens on the port: one line naming it on stderr, nothing on stdout."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "boto3_idempotent", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=base_environ(tmp_path),
        )

    assert result.returncode == 2
    assert f"127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_serve_without_moto_exits_2_naming_the_extra(tmp_path):
    """Without moto: the pip command for the [testing] extra on stderr, exit status 2."""
    script = (
        "import sys\n"
        "sys.modules['moto'] = None  # import moto fails, as without the extra\n"
        "from boto3_idempotent._cli.main import main\n"
        "raise SystemExit(main(['serve', '--port', '0']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=base_environ(tmp_path),
    )

    assert result.returncode == 2
    assert 'pip install "boto3-idempotent[testing]"' in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_serve_refuses_a_port_out_of_range(port, tmp_path):
    """--port outside 0..65535: argparse's usage error, exit status 2, nothing started."""
    result = subprocess.run(
        [sys.executable, "-m", "boto3_idempotent", "serve", "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=base_environ(tmp_path),
    )

    assert result.returncode == 2
    assert "--port" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("port", [-1, 65536, True, 80.0])
def test_faulty_endpoint_refuses_a_port_that_is_not_one(port):
    """FaultyEndpoint(port=...) takes 0..65535 only, checked before anything starts."""
    from boto3_idempotent.testing import FaultyEndpoint

    with pytest.raises(ValueError, match="port="):
        FaultyEndpoint(port=port)


def test_faulty_endpoint_on_a_port_in_use_raises_and_starts_nothing():
    """The proxy binds before moto starts: OSError (EADDRINUSE), and no moto left running."""
    from boto3_idempotent.testing import FaultyEndpoint

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        endpoint = FaultyEndpoint(port=port)
        with pytest.raises(OSError, match="in use") as raised:
            endpoint.start()
        assert raised.value.errno == errno.EADDRINUSE
        with pytest.raises(RuntimeError):
            _ = endpoint.url  # not started
        assert endpoint._moto is None
