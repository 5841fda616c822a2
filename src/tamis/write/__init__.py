"""Writers: kept and rejected documents as size-capped, atomically renamed shards.

The names below load `tamis.write.shards` (and pyarrow) at first use, so that a module that needs
only `tamis.write.run_store` (the dedup I/O helpers, which `tamis clean` reaches through
repair.glued_words' cache) does not pay for the writers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tamis.write.shards import ShardWriter, output_format_of, row_of

__all__ = ["ShardWriter", "output_format_of", "row_of"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tamis.write import shards

        return getattr(shards, name)
    raise AttributeError(f"module 'tamis.write' has no attribute {name!r}")
