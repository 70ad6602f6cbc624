"""idempotency_key(): tokens derived from a key, over HTTP; a key without a secret warns once."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import uuid
import warnings

import pytest

from boto3_idempotent import (
    RetryPolicy,
    TokenLifetimeWarning,
    TokenSecretWarning,
    _scope,
    call_info,
    idempotency_key,
    wrap,
)
from boto3_idempotent import _scope as scope_module
from boto3_idempotent._knowledge import lifetimes as _lifetimes
from helpers.answers import recorded_ec2 as _ec2
from helpers.token_secret import ENV_SECRET, RAW_SECRET
from helpers.wire import OK, Reply

RUN = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}


@pytest.fixture
def ec2(make_client, sleeps):
    """A wrapped EC2 client on the scripted server."""
    return wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)


def launches(ec2, key, count=2, **scope):
    """Make ``count`` RunInstances calls in a scope of ``key``."""
    with idempotency_key(key, **scope):
        for _ in range(count):
            ec2.run_instances(**RUN)


def test_same_key_same_calls_same_tokens(ec2, server):
    """A re-run of the same work sends the tokens the first run sent, call by call."""
    launches(ec2, "order-42")
    launches(ec2, "order-42")

    first_run, second_run = server.tokens()[:2], server.tokens()[2:]
    assert first_run == second_run
    assert first_run[0] != first_run[1]  # the ordinal tells the two calls apart
    assert all(uuid.UUID(t).version == 4 for t in first_run)


def test_another_key_gives_other_tokens(ec2, server):
    """Different keys never share a token."""
    launches(ec2, "order-42", count=1)
    launches(ec2, "order-43", count=1)

    assert len(set(server.tokens())) == 2


def test_service_region_and_operation_are_part_of_the_token(make_client, server, sleeps):
    """The same key and ordinal in another region or operation gives another token."""
    east = wrap(make_client("ec2"), RetryPolicy(), sleep=sleeps)
    west = wrap(make_client("ec2", region_name="us-west-2"), RetryPolicy(), sleep=sleeps)
    with idempotency_key("k"):
        east.run_instances(**RUN)
        west.run_instances(**RUN)
        east.create_nat_gateway(SubnetId="subnet-1")

    assert len(set(server.tokens())) == 3


def test_retries_inside_a_scope_reuse_the_derived_token(ec2, server):
    """Attempts do not advance the ordinal: a 500 then success, one token."""
    server.plan(Reply(500, "InternalError"), OK)
    with idempotency_key("k"):
        ec2.run_instances(**RUN)
    with idempotency_key("k"):
        ec2.run_instances(**RUN)

    assert len(set(server.tokens())) == 1
    assert server.count() == 3


def test_the_key_does_not_show_in_the_token(ec2, server):
    """An email as key: neither it nor its plain hash is in the token."""
    import hashlib

    key = "jane.doe@example.com"
    launches(ec2, key, count=1)

    token = server.tokens()[0]
    assert key not in token
    assert hashlib.sha256(key.encode()).hexdigest()[:8] not in token.replace("-", "")


def test_a_secret_changes_every_token(ec2, server, monkeypatch):
    """With BOTO3_IDEMPOTENT_TOKEN_SECRET, a guessed key cannot be checked without it."""
    launches(ec2, "order-42", count=1)
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "s3cr3t")
    launches(ec2, "order-42", count=1)
    launches(ec2, "order-42", count=1, secret="s3cr3t")

    plain, with_env, with_arg = server.tokens()
    assert plain != with_env
    assert with_env == with_arg


def test_caller_tokens_win_and_still_count(ec2, server):
    """A caller's token is sent as is; the next call keeps its ordinal's token."""
    with idempotency_key("k"):
        ec2.run_instances(ClientToken="mine", **RUN)
        ec2.run_instances(**RUN)
    launches(ec2, "k", count=2)

    assert server.tokens()[0] == "mine"
    assert server.tokens()[1] == server.tokens()[3]


def test_nested_scopes_are_independent_and_the_outer_resumes(ec2, server):
    """The innermost key wins with its own ordinals; the outer scope picks up after it."""
    with idempotency_key("outer"):
        ec2.run_instances(**RUN)  # outer #1
        with idempotency_key("inner"):
            ec2.run_instances(**RUN)  # inner #1
        ec2.run_instances(**RUN)  # outer #2
    launches(ec2, "outer", count=2)
    launches(ec2, "inner", count=1)

    outer1, inner1, outer2, again1, again2, inner_again = server.tokens()
    assert (outer1, outer2) == (again1, again2)
    assert inner1 == inner_again


def test_without_a_scope_tokens_are_random(ec2, server):
    """Outside any scope, the same calls get fresh tokens."""
    ec2.run_instances(**RUN)
    ec2.run_instances(**RUN)
    assert len(set(server.tokens())) == 2


def test_a_thread_does_not_inherit_the_scope(ec2, server):
    """contextvars: a plain thread started inside a scope has none; a copied context does."""
    with idempotency_key("k"):
        plain = threading.Thread(target=lambda: ec2.run_instances(**RUN))
        plain.start()
        plain.join()
        copied = contextvars.copy_context()
        thread = threading.Thread(target=copied.run, args=(ec2.run_instances,), kwargs=RUN)
        thread.start()
        thread.join()
    launches(ec2, "k", count=1)

    random_one, in_scope, reference = server.tokens()
    assert in_scope == reference
    assert random_one != reference


def test_asyncio_tasks_each_keep_their_own_scope(ec2, server):
    """Two tasks in two scopes, interleaved: each task's calls follow its own key."""

    async def work(key):
        with idempotency_key(key):
            for _ in range(2):
                await asyncio.to_thread(ec2.run_instances, **RUN)
                await asyncio.sleep(0)

    async def main():
        await asyncio.gather(work("a"), work("b"))

    asyncio.run(main())
    launches(ec2, "a")
    launches(ec2, "b")

    concurrent, reference = server.tokens()[:4], server.tokens()[4:]
    assert sorted(concurrent) == sorted(reference)


@pytest.mark.parametrize("key", ["", None, 42])
def test_a_key_must_be_a_non_empty_string(key):
    """Bad keys fail before any call."""
    with pytest.raises(ValueError, match="non-empty str"), idempotency_key(key):  # type: ignore[arg-type]
        pass


def test_short_lived_tokens_warn_once(make_client, server, sleeps, monkeypatch):
    """DynamoDB forgets a token after 10 minutes, long before Lambda stops retrying: warned."""
    monkeypatch.setattr(_lifetimes, "_warned_services", set())
    ddb = wrap(make_client("dynamodb"), RetryPolicy(), sleep=sleeps)
    items = [
        {
            "ConditionCheck": {
                "TableName": "t",
                "Key": {"k": {"S": "1"}},
                "ConditionExpression": "attribute_exists(k)",
            }
        }
    ]

    with idempotency_key("k"), pytest.warns(TokenLifetimeWarning, match="10 minutes") as caught:
        ddb.transact_write_items(TransactItems=items)
    assert caught[0].filename == __file__  # the user's line, not botocore's hooks module
    with idempotency_key("k"):
        ddb.transact_write_items(TransactItems=items)  # once is enough: no second warning


def test_long_lived_tokens_do_not_warn(ec2, server, monkeypatch, recwarn):
    """EC2 keeps tokens 24 hours: no warning."""
    monkeypatch.setattr(_lifetimes, "_warned_services", set())
    launches(ec2, "k", count=1)
    assert not [w for w in recwarn if issubclass(w.category, TokenLifetimeWarning)]


# -- a key of yours without a secret warns, once per process -------------------------------


def test_a_key_of_yours_without_a_secret_warns_once(ec2, server, monkeypatch):
    """Guessable keys can be confirmed from tokens unless a secret is set: said once."""
    monkeypatch.setattr(_scope, "_warned_no_secret", False)

    with pytest.warns(TokenSecretWarning) as caught, idempotency_key("order-42"):
        ec2.run_instances(**RUN)
    assert caught[0].filename == __file__  # the user's with-statement, not contextlib's
    with idempotency_key("order-43"):  # once is enough (an error here under -W error)
        ec2.run_instances(**RUN)


def test_a_secret_or_a_random_key_does_not_warn(ec2, server, monkeypatch, recwarn):
    """With BOTO3_IDEMPOTENT_TOKEN_SECRET, no warning."""
    monkeypatch.setattr(_scope, "_warned_no_secret", False)
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", "s")

    with idempotency_key("order-42"):
        ec2.run_instances(**RUN)

    assert not [w for w in recwarn if issubclass(w.category, TokenSecretWarning)]


def test_the_token_secret_warning_is_said_once_however_many_scopes(monkeypatch):
    """Three scopes without a secret, every warning recorded: exactly one TokenSecretWarning."""
    monkeypatch.setattr(scope_module, "_warned_no_secret", False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for key in ("order-1", "order-2", "order-1"):
            with idempotency_key(key):
                pass

    assert [w.category for w in caught] == [TokenSecretWarning]


# -- keys and secrets that are not plain UTF-8 ---------------------------------------------


def test_a_non_utf8_secret_derives_tokens_from_its_bytes(ec2, server, monkeypatch):
    """The variable's raw bytes are the secret: the tokens equal those of secret=<the bytes>."""
    monkeypatch.setenv("BOTO3_IDEMPOTENT_TOKEN_SECRET", ENV_SECRET)
    server.plan(Reply(500, "InternalError"), OK, OK)

    with idempotency_key("order-1"):
        ec2.run_instances(**RUN)
    with idempotency_key("order-1", secret=RAW_SECRET):
        ec2.run_instances(**RUN)

    first, resent, again = server.tokens("RunInstances")
    assert first == resent == again


def test_a_key_with_a_lone_surrogate_derives_tokens(make_client, server, sleeps):
    """A key with a lone surrogate derives tokens (str.encode() would raise UnicodeEncodeError)."""
    client, _ = _ec2(make_client, RetryPolicy(), sleeps)
    tokens = []
    for key in ("order-\udcff", "order-\udcfe", "order-\udcff"):
        with idempotency_key(key, secret=b"s"):
            tokens.append(call_info(client.run_instances(**RUN)).token)
    assert tokens[0] == tokens[2] != tokens[1]
