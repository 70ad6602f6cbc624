"""A token secret as ``head -c 32 /dev/urandom`` makes it: bytes that are not UTF-8."""

from __future__ import annotations

import os

# A secret as `head -c 32 /dev/urandom` makes it: not UTF-8. os.environ holds such bytes
# as lone surrogates (PEP 383); this is what it holds for these bytes.
RAW_SECRET = bytes(range(0x80, 0xA0))
ENV_SECRET = os.fsdecode(RAW_SECRET)
