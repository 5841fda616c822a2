"""Writers: kept and rejected documents as size-capped, atomically renamed shards."""

from tamis.write.shards import ShardWriter, output_format_of, row_of

__all__ = ["ShardWriter", "output_format_of", "row_of"]
