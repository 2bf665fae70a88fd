"""The compliance report as PDF, drawn with fpdf2 (pure Python: no browser or system library at run time)
from the same blocks as the Markdown and HTML forms. The PDF core fonts cover Latin-1: other characters
print as '?' (the JSON form keeps them exactly)."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from bastion.compliance.render import _cell, blocks

_SIZES = {"h1": 16, "h2": 13, "h3": 11}


def _latin1(text: Any) -> str:
    return _cell(text).encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, f"Bastion compliance evidence report - page {self.page_no()}/{{nb}}", align="C")


def to_pdf(report: dict[str, Any]) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_title(_latin1(report["title"]))
    pdf.set_creator("Bastion")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: float = 9, style: str = "") -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(
            width, size * 0.5, _latin1(text), wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    for kind, content in blocks(report):
        if kind in _SIZES:
            pdf.ln(2)
            para(content, _SIZES[kind], "B")
            pdf.ln(1)
        elif kind == "p":
            para(content)
        elif kind == "list":
            for item in content:
                para(f"- {item}")
        elif kind == "kv":
            for key, value in content:
                para(f"{key}: {_cell(value)}", 9)
        elif kind == "table":
            pdf.set_font("Helvetica", size=8)
            with pdf.table(text_align="LEFT", wrapmode=WrapMode.CHAR, line_height=4) as table:
                head = table.row()
                for col in content["columns"]:
                    head.cell(_latin1(col))
                for values in content["rows"]:
                    row = table.row()
                    for value in values:
                        row.cell(_latin1(value))
            pdf.ln(1)
    return bytes(pdf.output())
