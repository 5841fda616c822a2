"""tamis: a fine-mesh sieve for web-crawl text."""

__version__ = "0.1.0"

from tamis.document import Document, Duplicate, Edit, Failed, Rejected, Source
from tamis.steps import Annotate, CorpusStage, Filter, Repair, Repaired, register

__all__ = [
    "Annotate",
    "CorpusStage",
    "Document",
    "Duplicate",
    "Edit",
    "Failed",
    "Filter",
    "Rejected",
    "Repair",
    "Repaired",
    "Source",
    "__version__",
    "register",
]
