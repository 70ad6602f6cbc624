"""Types of optional libraries (aiobotocore, aiohttp, httpx), found only if already loaded.

The library never imports aiobotocore or its HTTP backends: they pin botocore
narrowly, and most users have none of them. An object of such a type can only
exist once its module was imported, so looking the type up in ``sys.modules``
answers ``isinstance`` questions exactly, at the cost of a dict lookup.
"""

from __future__ import annotations

import sys

__all__ = ["is_instance", "loaded_type"]


def loaded_type(module_name: str, class_name: str) -> type | None:
    """``module_name.class_name`` if that module is loaded and it is a class; else ``None``."""
    module = sys.modules.get(module_name)
    kind = getattr(module, class_name, None) if module is not None else None
    return kind if isinstance(kind, type) else None


def is_instance(value: object, module_name: str, class_name: str) -> bool:
    """``isinstance(value, module_name.class_name)``, without importing the module."""
    kind = loaded_type(module_name, class_name)
    return kind is not None and isinstance(value, kind)
