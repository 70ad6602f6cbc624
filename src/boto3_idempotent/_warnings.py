"""Warnings that point at the user's line, not at ours or botocore's."""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["user_stacklevel"]

_OURS = os.path.dirname(os.path.abspath(__file__)) + os.sep  # noqa: PTH100, PTH120
_LIBRARIES = ("botocore", "boto3", "aiobotocore", "aioboto3")


def _internal_prefixes() -> tuple[str, ...]:
    prefixes = [_OURS, os.path.abspath(contextlib.__file__)]  # noqa: PTH100
    for name in _LIBRARIES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            prefixes.append(os.path.dirname(os.path.abspath(path)) + os.sep)  # noqa: PTH100, PTH120
    return tuple(prefixes)


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that names the first frame outside us.

    Called by the function that warns; frames of this package, botocore, boto3,
    aiobotocore, aioboto3 and ``contextlib`` (our context managers) are skipped.
    """
    prefixes = _internal_prefixes()
    frame = sys._getframe(1)  # noqa: SLF001  (the warning function: stacklevel 1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(prefixes):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
