"""DynamoDB UpdateItem decided per request: list elements, aliases as whole segments, numbers.

Rows on the parser (``_refine.dynamodb_update_item``), then the same requests over HTTP:
a wrapped client through moto_proxy.py's plain proxy, which lets moto act and then loses
the answer; the witnesses are the proxy's count of UpdateItem requests and the item moto
holds afterwards (read around the proxy).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ConnectionClosedError

from boto3_idempotent import call_info, set_testing, wrap
from boto3_idempotent._knowledge.refine import dynamodb_update_item
from helpers.moto_proxy import create_table

TABLE = "items"
KEY = {"pk": {"S": "a"}}


@pytest.mark.parametrize(
    ("params", "idempotent"),
    [
        # A list element: past the list's end DynamoDB appends, so a resend appends again.
        ({"UpdateExpression": "SET l[10] = :v"}, False),
        ({"UpdateExpression": "SET #l[2] = :v", "ExpressionAttributeNames": {"#l": "l"}}, False),
        ({"UpdateExpression": "SET l[10] = if_not_exists(l[10], :v)"}, False),  # no guard
        # ... unless the condition proves the element exists.
        (
            {"UpdateExpression": "SET l[1] = :v", "ConditionExpression": "attribute_exists(l[1])"},
            True,
        ),
        (
            {
                "UpdateExpression": "SET l[1] = :v",
                "ConditionExpression": "attribute_exists(l[1]) OR x = :x",
            },
            False,
        ),
        ({"UpdateExpression": "SET m.l = :v"}, True),  # a map member, not an element
        ({"UpdateExpression": "SET l[1].x = :v"}, True),  # a missing element is an error
        # An alias names one whole attribute: #v = "a.b" is not the nested a.b.
        (
            {
                "UpdateExpression": "SET a.b = :new, n = n + :one",
                "ConditionExpression": "#v = :old",
                "ExpressionAttributeNames": {"#v": "a.b"},
                "ExpressionAttributeValues": {
                    ":new": {"S": "2"},
                    ":old": {"S": "1"},
                    ":one": {"N": "1"},
                },
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET #v = :new, n = n + :one",
                "ConditionExpression": "#v = :old",
                "ExpressionAttributeNames": {"#v": "a.b"},
                "ExpressionAttributeValues": {
                    ":new": {"S": "2"},
                    ":old": {"S": "1"},
                    ":one": {"N": "1"},
                },
            },
            True,  # the same attribute: a real lock
        ),
        (
            {
                "UpdateExpression": "SET #ab = if_not_exists(a.b, :v), n = n + :one",
                "ExpressionAttributeNames": {"#ab": "a.b"},
                "ExpressionAttributeValues": {":v": {"S": "x"}, ":one": {"N": "1"}},
            },
            False,  # not a guard of what it sets, and n counts twice
        ),
        # A condition with OR or NOT beside the lock is no lock: the other branch may hold.
        (
            {
                "UpdateExpression": "SET version = :new ADD n :one",
                "ConditionExpression": "version = :v AND a = :a OR b = :b",
                "ExpressionAttributeValues": {
                    ":new": {"N": "2"},
                    ":v": {"N": "1"},
                    ":a": {"S": "x"},
                    ":b": {"S": "y"},
                    ":one": {"N": "1"},
                },
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET version = :new ADD n :one",
                "ConditionExpression": "version = :v AND NOT a = :a",
                "ExpressionAttributeValues": {
                    ":new": {"N": "2"},
                    ":v": {"N": "1"},
                    ":a": {"S": "x"},
                    ":one": {"N": "1"},
                },
            },
            False,
        ),
        # A lock compares numbers as numbers: 1 and 1.0 are one value.
        (
            {
                "UpdateExpression": "SET v = :new, n = n + :one",
                "ConditionExpression": "v = :old",
                "ExpressionAttributeValues": {
                    ":new": {"N": "1.0"},
                    ":old": {"N": "1"},
                    ":one": {"N": "1"},
                },
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = :new, n = n + :one",
                "ConditionExpression": "v = :old",
                "ExpressionAttributeValues": {
                    ":new": {"N": "2"},
                    ":old": {"N": "1"},
                    ":one": {"N": "1"},
                },
            },
            True,
        ),
    ],
)
def test_update_item_rows(params, idempotent):
    """Each request's class, as the parser reads it."""
    assert dynamodb_update_item(params) is idempotent


@pytest.fixture
def table(moto):
    """A table on moto, its item holding a two-element list and a counter."""
    ddb = moto.client("dynamodb", direct=True)
    create_table(ddb, TABLE, key="pk")
    ddb.put_item(
        TableName=TABLE,
        Item={**KEY, "l": {"L": [{"S": "x"}, {"S": "y"}]}, "n": {"N": "0"}, "v": {"N": "1"}},
    )
    set_testing(True)
    yield ddb
    set_testing(False)


def held(table) -> dict:
    """The item as moto holds it."""
    return table.get_item(TableName=TABLE, Key=KEY, ConsistentRead=True)["Item"]


def lost_once(moto, table, **update):
    """UpdateItem through the proxy, its first answer lost after moto acted."""
    client = wrap(moto.client("dynamodb"))
    moto.lose("UpdateItem")
    with pytest.raises(ConnectionClosedError) as caught:
        client.update_item(TableName=TABLE, Key=KEY, **update)
    return caught


def test_a_set_past_the_lists_end_is_not_resent(moto, table):
    """SET l[10] after a lost answer: sent once, the element appended once."""
    caught = lost_once(
        moto,
        table,
        UpdateExpression="SET l[10] = :v",
        ExpressionAttributeValues={":v": {"S": "z"}},
    )

    assert moto.count("UpdateItem") == 1
    assert held(table)["l"] == {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]}
    assert call_info(caught.value).stop_reason == "unsafe_to_resend"


def test_an_alias_of_a_dotted_name_is_no_lock_on_the_nested_path(moto, table):
    """#v names the attribute "a.b", which SET a.b does not write: not resent, n counted once."""
    table.update_item(
        TableName=TABLE,
        Key=KEY,
        UpdateExpression="SET #v = :old, a = :empty",
        ExpressionAttributeNames={"#v": "a.b"},
        ExpressionAttributeValues={":old": {"S": "1"}, ":empty": {"M": {}}},
    )
    lost_once(
        moto,
        table,
        UpdateExpression="SET a.b = :new, n = n + :one",
        ConditionExpression="#v = :old",
        ExpressionAttributeNames={"#v": "a.b"},
        ExpressionAttributeValues={":new": {"S": "2"}, ":old": {"S": "1"}, ":one": {"N": "1"}},
    )

    assert moto.count("UpdateItem") == 1
    item = held(table)
    assert item["n"] == {"N": "1"}
    assert item["a.b"] == {"S": "1"}  # the condition's attribute: unchanged by the update


def test_a_lock_that_sets_the_same_number_is_no_lock(moto, table):
    """V = :old with SET v = 1.0 where v is 1: the condition holds again, so not resent."""
    lost_once(
        moto,
        table,
        UpdateExpression="SET v = :new, n = n + :one",
        ConditionExpression="v = :old",
        ExpressionAttributeValues={":new": {"N": "1.0"}, ":old": {"N": "1"}, ":one": {"N": "1"}},
    )

    assert moto.count("UpdateItem") == 1
    assert held(table)["n"] == {"N": "1"}


def test_a_real_lock_is_still_resent(moto, table):
    """V = :old with SET v = 2: the second request fails its condition, so resending is safe."""
    client = wrap(moto.client("dynamodb"))
    moto.lose("UpdateItem")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.update_item(
            TableName=TABLE,
            Key=KEY,
            UpdateExpression="SET v = :new, n = n + :one",
            ConditionExpression="v = :old",
            ExpressionAttributeValues={":new": {"N": "2"}, ":old": {"N": "1"}, ":one": {"N": "1"}},
        )

    assert moto.count("UpdateItem") == 2
    assert held(table)["n"] == {"N": "1"}


# -- rows of expressions: a resend that would change the item again is unsafe --------------


N = {":one": {"N": "1"}}


V = {":v": {"S": "x"}}


@pytest.mark.parametrize(
    ("params", "idempotent"),
    [
        ({"UpdateExpression": "REMOVE l[0]"}, False),
        ({"UpdateExpression": "remove l[2].x"}, False),
        ({"UpdateExpression": "SET prev = cur, cur = :v", "ExpressionAttributeValues": V}, False),
        (
            {
                "UpdateExpression": "SET #p = #c, #c = :v",
                "ExpressionAttributeNames": {"#p": "prev", "#c": "cur"},
                "ExpressionAttributeValues": V,
            },
            False,
        ),
        ({"UpdateExpression": "SET a.b = a.c"}, False),  # reads what it writes (conservative)
        (
            {
                "UpdateExpression": "SET a = if_not_exists(b, :v), b = :v",
                "ExpressionAttributeValues": V,
            },
            False,
        ),
        ({"UpdateExpression": "ADD n :one", "ExpressionAttributeValues": N}, False),
        ({"UpdateExpression": "ADD n :x", "ExpressionAttributeValues": {":x": {"L": []}}}, False),
        ({"UpdateExpression": "ADD n :missing"}, False),  # its type unknown
        ({"UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": N}, False),
        ({"UpdateExpression": "SET l = list_append(l, :v)"}, False),
        ({"AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}}, False),
        ({"AttributeUpdates": {"l": {"Action": "ADD", "Value": {"L": [{"S": "x"}]}}}}, False),
        ({"AttributeUpdates": {"s": {"Action": "ADD"}}}, False),
        ({"UpdateExpression": "SET a = :v FROB b"}, False),  # unreadable
        ({"UpdateExpression": "SET = :v"}, False),
        ({"UpdateExpression": "SET a = :v", "ExpressionAttributeNames": ["#a"]}, False),
        # Idempotent: placeholders, if_not_exists into itself, removes, set changes.
        ({"UpdateExpression": "SET a = :v, b = :v", "ExpressionAttributeValues": V}, True),
        (
            {"UpdateExpression": "SET a = if_not_exists(a, :v)", "ExpressionAttributeValues": V},
            True,
        ),
        (
            {"UpdateExpression": "SET a = other", "ExpressionAttributeValues": V},
            True,
        ),  # reads what it does not write
        ({"UpdateExpression": "REMOVE a, m.k"}, True),
        (
            {"UpdateExpression": "DELETE s :x", "ExpressionAttributeValues": {":x": {"SS": ["a"]}}},
            True,
        ),
        (
            {"UpdateExpression": "ADD s :x", "ExpressionAttributeValues": {":x": {"NS": ["1"]}}},
            True,
        ),
        (
            {
                "UpdateExpression": "add s :x set a = :x",
                "ExpressionAttributeValues": {":x": {"SS": ["a"]}},
            },
            True,
        ),
        ({"AttributeUpdates": {"s": {"Action": "ADD", "Value": {"SS": ["a"]}}}}, True),
        # An optimistic lock: a second request fails its condition.
        (
            {
                "UpdateExpression": "SET v = v + :one ADD n :one",
                "ConditionExpression": "v = :old",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            True,
        ),
        (
            {
                "UpdateExpression": "SET v = :new, l = list_append(l, :v)",
                "ConditionExpression": "v = :old AND attribute_exists(k)",
                "ExpressionAttributeValues": {**V, ":new": {"N": "4"}, ":old": {"N": "3"}},
            },
            True,
        ),
        (
            {
                "UpdateExpression": "ADD n :one SET done = :t",
                "ConditionExpression": "attribute_not_exists(done)",
                "ExpressionAttributeValues": {**N, ":t": {"BOOL": True}},
            },
            True,
        ),
        (
            {
                "UpdateExpression": "SET prev = cur, cur = :new",
                "ConditionExpression": ":old = cur",
                "ExpressionAttributeValues": {":new": {"S": "b"}, ":old": {"S": "a"}},
            },
            True,
        ),
        # Not a lock: the same value, an OR, a comparison that is not equality.
        (
            {
                "UpdateExpression": "SET v = :same ADD n :one",
                "ConditionExpression": "v = :same",
                "ExpressionAttributeValues": {**N, ":same": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = v + :one ADD n :one",
                "ConditionExpression": "v = :old OR attribute_not_exists(v)",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = v + :one ADD n :one",
                "ConditionExpression": "v <= :old",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "SET v = v + :zero ADD n :one",
                "ConditionExpression": "v = :old",
                "ExpressionAttributeValues": {**N, ":zero": {"N": "0"}, ":old": {"N": "3"}},
            },
            False,
        ),
        (
            {
                "UpdateExpression": "ADD n :one",
                "ConditionExpression": "other = :old",
                "ExpressionAttributeValues": {**N, ":old": {"N": "3"}},
            },
            False,
        ),
    ],
)
def test_update_item_expressions(params, idempotent):
    """A resend that would change the item again is unsafe; everything else is resent."""
    assert dynamodb_update_item(params) is idempotent


def test_list_append_with_a_space_before_its_parenthesis_is_unsafe():
    """``list_append (`` with a space before its parenthesis (DynamoDB allows it) is unsafe.

    ``list_append (:a, :b)`` reads no attribute, so only the list_append rule makes it
    unsafe; with ``l`` read, the read-what-it-writes rule would hide the mutation.
    """
    assert dynamodb_update_item({"UpdateExpression": "SET l = list_append (:a, :b)"}) is False
    assert dynamodb_update_item({"UpdateExpression": "SET l = list_append (l, :v)"}) is False
