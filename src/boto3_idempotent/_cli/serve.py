"""``python -m boto3_idempotent serve``: a local endpoint for running the examples as written.

moto behind boto3_idempotent.testing's proxy (client tokens honoured like AWS), on
127.0.0.1. Standard output carries only ``export NAME=value`` lines, then is closed,
so ``eval "$(python -m boto3_idempotent serve &)"`` returns once they are printed;
everything else goes to standard error. Serves until SIGINT or SIGTERM, then stops
both servers and exits 0.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any, TextIO

__all__ = ["environment", "serve"]

_PROG = "python -m boto3_idempotent serve"


def environment(url: str) -> dict[str, str]:
    """The variables that point boto3 at ``url``, with a region and dummy credentials."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def exports(variables: Mapping[str, str]) -> str:
    """``export NAME=value`` lines, quoted for a POSIX shell."""
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())


def serve(
    *,
    port: int,
    fault_rate: float,
    seed: int,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run the endpoint until ``stop`` is set (SIGINT or SIGTERM set it); the exit status.

    Args:
        port: The port on 127.0.0.1; ``0``: a free one.
        fault_rate: Share of requests that get a random fault (0: none).
        seed: The fault schedule's seed.
        out: Where the ``export`` lines go; ``None``: standard output, closed after them.
        err: Where the status line and errors go; ``None``: standard error.
        stop: Set to stop; ``None``: a new event, which the signals set.
    """
    out_stream = sys.stdout if out is None else out
    err_stream = sys.stderr if err is None else err
    try:
        import moto.server  # noqa: F401, PLC0415  (the testing extra)
    except ImportError:
        err_stream.write(f'{_PROG} needs moto: pip install "boto3-idempotent[testing]"\n')
        return 2
    from boto3_idempotent.testing import FaultSchedule, FaultyEndpoint  # noqa: PLC0415

    stopping = threading.Event() if stop is None else stop
    previous = _on_signals(stopping)
    try:
        endpoint = FaultyEndpoint(FaultSchedule(rate=fault_rate, seed=seed), port=port)
        try:
            endpoint.start()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            err_stream.write(f"{_PROG}: cannot listen on 127.0.0.1:{port}: {reason}\n")
            return 2
        try:
            out_stream.write(exports(environment(endpoint.url)))
            out_stream.flush()
            if out is None:
                _release_stdout()
            faults = f"{fault_rate:g} of requests, seed {seed}" if fault_rate else "none"
            err_stream.write(
                f"# serving {endpoint.url} (moto behind the fault proxy; faults: {faults};"
                f" pid {os.getpid()}) until Ctrl-C\n"
            )
            if fault_rate:  # reading back what was made must not meet faults itself
                err_stream.write(
                    f"# fault-free, to read back state: AWS_ENDPOINT_URL={endpoint.backend_url}\n"
                )
            err_stream.flush()
            while not stopping.wait(1.0):  # a timeout: Ctrl-C is seen on Windows too
                pass
        finally:
            endpoint.stop()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    """Make SIGINT and SIGTERM set ``stop``; what was there before (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(number: int, frame: FrameType | None) -> None:  # noqa: ARG001
        stop.set()

    return {number: signal.signal(number, handler) for number in (signal.SIGINT, signal.SIGTERM)}


def _release_stdout() -> None:
    """Point standard output at the null device: a reader of the pipe sees its end."""
    try:
        sys.stdout.flush()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):  # no real file behind it: nothing to close
        pass
