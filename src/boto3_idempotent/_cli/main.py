"""``python -m boto3_idempotent``: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 1")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number from 0 to 1")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected seconds >= 0")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port from 0 to 65535")
    return value


def _parser() -> argparse.ArgumentParser:
    from boto3_idempotent import __version__  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog="python -m boto3_idempotent",
        description="Safe retries for mutating AWS calls.",
    )
    parser.add_argument("--version", action="version", version=f"boto3-idempotent {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="naive retries vs wrap() on a local faulty endpoint (needs [testing])",
        description=(
            "Run the same create workload through a naive tenacity loop and through a "
            "wrapped client, against a local endpoint that injects faults and honours "
            "client tokens like AWS. No AWS account or network needed."
        ),
    )
    demo.add_argument("--calls", type=_at_least_one, default=40, help="logical creates (40)")
    demo.add_argument(
        "--fault-rate", type=_rate, default=0.3, help="share of requests that fail (0.3)"
    )
    demo.add_argument("--seed", type=int, default=1, help="fault schedule seed (1)")
    demo.add_argument("--threads", type=_at_least_one, default=4, help="worker threads (4)")
    demo.add_argument(
        "--max-attempts", type=_at_least_one, default=5, help="attempts per call, both clients (5)"
    )
    demo.add_argument(
        "--base-delay", type=_seconds, default=0.05, help="backoff base in seconds (0.05)"
    )
    operations = commands.add_parser(
        "operations",
        help="each operation's class: protected, idempotent or unsafe, and why",
        description=(
            "List what a wrapped client does with each operation after an ambiguous failure "
            "(a 5xx, a lost response). PROTECTED: its calls carry a client token (source "
            "model: the idempotencyToken trait; scan: the reviewed scan of "
            "tools/scan_tokens.py) or a caller reference (reference: never generated; a "
            "call without it falls back to the operation's class), and are resent. "
            "IDEMPOTENT: a resend leaves the same end state; resent as bare botocore resends "
            "it (listed with --all). UNSAFE: a resend may act twice; not resent. Sources of "
            "a class: documented, reviewed (a table entry with its reason), per call (the "
            "request decides), method (a REST PUT or DELETE), verb (the operation name's "
            "verb), default (a verb no table knows), unreviewed (newer than the botocore "
            "release the tables were reviewed against: resent only if it reads). The "
            "summary counts operations by class, lists those resent less than bare botocore "
            "would resend them, by reason, and says how many are newer than the review."
        ),
    )
    operations.add_argument(
        "service",
        nargs="?",
        help=(
            "a botocore service name (ec2), or one operation with its reason: sqs:SendMessage,"
            " or SendMessage --service sqs"
        ),
    )
    operations.add_argument(
        "--service",
        dest="in_service",
        metavar="SERVICE",
        help="the service of an operation named alone",
    )
    operations.add_argument(
        "--all",
        action="store_true",
        dest="everything",
        help="also list idempotent operations (resent as bare botocore resends them)",
    )
    operations.add_argument(
        "--class",
        dest="resend",
        choices=("protected", "idempotent", "unsafe"),
        help="only operations of this class",
    )
    operations.add_argument(
        "--unreviewed",
        action="store_true",
        help="only operations newer than the botocore release the tables were reviewed against",
    )
    operations.add_argument("--json", action="store_true", help="machine-readable output")
    policy = commands.add_parser(
        "policy",
        help="show the retry policy the environment gives, and where each value comes from",
        description=(
            "Show the policy wrap(client) would use now, each value with its source: "
            "default, the variable or profile that set it, or the installed botocore's "
            'standard retry mode. "botocore 1.44 standard mode" is botocore\'s new retries '
            "(1.44, or 1.43 with AWS_NEW_RETRIES_2026=true: a 50 ms backoff base after a "
            "transient failure, 1 s after throttling, a retry costing 14 quota tokens, 5 "
            'after throttling), and "botocore classic standard mode" is the standard mode '
            "of 1.43 and earlier (one 1 s base for both, a retry costing 5, 10 after a "
            "timeout). reviewed_with names the botocore release the tables of tokens and "
            "resend classes were reviewed against, beside the installed one. --json gives "
            "each value as data: numbers, lists, booleans, and retry_quota as its capacity "
            "and costs."
        ),
    )
    policy.add_argument("--json", action="store_true", help="machine-readable output")
    serve = commands.add_parser(
        "serve",
        help="a local AWS endpoint to run the examples against (needs [testing])",
        description=(
            "Start moto behind the token-honouring proxy on 127.0.0.1, print the variables "
            "that point boto3 at it (export NAME=value lines: AWS_ENDPOINT_URL, a region, "
            "dummy credentials) on stdout, and serve until Ctrl-C or SIGTERM. "
            'eval "$(python -m boto3_idempotent serve &)" exports them in your shell; every '
            "example then runs as written, with no AWS account or network."
        ),
    )
    serve.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (0: a free one)")
    serve.add_argument(
        "--fault-rate", type=_rate, default=0.0, help="share of requests that fail (0: none)"
    )
    serve.add_argument("--seed", type=int, default=1, help="fault schedule seed (1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:  # `operations | head`: the reader left; say nothing more
        # Python's own advice: point stdout at devnull so that its flush at exit is quiet.
        import os  # noqa: PLC0415

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("operations", "policy"):
        from boto3_idempotent._exceptions import ConfigError  # noqa: PLC0415

        from .commands import CommandError, list_operations, show_policy  # noqa: PLC0415

        try:
            if args.command == "operations":
                list_operations(
                    args.service,
                    everything=args.everything,
                    as_json=args.json,
                    out=sys.stdout,
                    resend=args.resend,
                    unreviewed=args.unreviewed,
                    in_service=args.in_service,
                )
            else:
                from boto3_idempotent._env_names import describe, unknown_variables  # noqa: PLC0415

                sys.stderr.writelines(
                    f"python -m boto3_idempotent policy: {describe(name, meant)}\n"
                    for name, meant in unknown_variables()
                )
                show_policy(None, as_json=args.json, out=sys.stdout)
        except ConfigError as exc:  # every bad variable, one line each
            sys.stderr.writelines(
                f"python -m boto3_idempotent {args.command}: {error.name}={error.value!r}"
                f" is invalid: expected {error.expected}\n"
                for error in exc.errors
            )
            return 2
        except CommandError as exc:
            sys.stderr.write(f"python -m boto3_idempotent {args.command}: {exc}\n")
            return 2
        return 0
    if args.command == "serve":
        from .serve import serve  # noqa: PLC0415

        return serve(port=args.port, fault_rate=args.fault_rate, seed=args.seed)
    if args.command == "demo":
        try:
            from .demo import run_demo  # noqa: PLC0415

            run_demo(
                calls=args.calls,
                fault_rate=args.fault_rate,
                seed=args.seed,
                threads=args.threads,
                max_attempts=args.max_attempts,
                base_delay=args.base_delay,
            )
        except ImportError as exc:
            sys.stderr.write(f"{exc}\n")
            return 2
    return 0
