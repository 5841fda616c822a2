"""Fix Unicode damage (mojibake, control characters, odd spaces) with ftfy, one edit per fix."""

from __future__ import annotations

from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register


@register("repair.unicode", version=1)
@dataclass(frozen=True)
class FixUnicode(Repair):
    """Fix mojibake, control characters and odd spaces with ftfy; each changed span is an edit."""

    unescape_html: bool = False  # markup_residue handles entities, with its own rule codes
    normalization: str = "NFC"
    rules = {
        "ftfy_fix": "ftfy repaired mojibake, control characters, odd spaces or width",
    }

    def repair(self, text: str, doc: Document) -> Repaired:
        import ftfy

        # Quick exit: pure ASCII without control characters cannot hold what ftfy fixes.
        if text.isascii() and text.isprintable():
            return Repaired(text)
        fixed, plan = ftfy.fix_and_explain(
            text,
            unescape_html=self.unescape_html,
            uncurl_quotes=False,
            fix_character_width=False,
            normalization=self.normalization,
        )
        if fixed == text:
            return Repaired(text)
        steps = ",".join(sorted({p.code if hasattr(p, "code") else str(p[1]) for p in plan or []}))
        return Repaired.from_diff(text, fixed, step=self.name, rule="ftfy_fix", evidence=steps)
