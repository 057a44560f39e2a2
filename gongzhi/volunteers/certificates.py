"""The volunteer service certificate (志愿服务证明) as a one-page PDF.

Drawn with reportlab and its built-in CID font STSong-Light, so no font file ships with the
project. The figures are the certificate's snapshot (taken when it was issued), not today's
totals: a printed certificate and its verification page always agree. The certificate number
and the verification address are drawn in Helvetica, so they stay plain ASCII in the file.
"""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gongzhi.core.masking import mask_name

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
RED = Color(0.70, 0.15, 0.12)


def _register_fonts() -> None:
    # Registering twice is harmless but not free; the registry is process-wide.
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def masked_name(name: str) -> str:
    """A name as the public may see it: the first character and a star (安娜 → 安*)."""
    return mask_name(name, short=True) or "*"


def verification_path(certificate: Any) -> str:
    """The public page that confirms the certificate: /certificates/<number>/."""
    return reverse("certificate-verify", args=[certificate.number])


def star_text(level: int) -> str:
    return _("%(n)s 星") % {"n": level} if level else _("未达星级")


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def certificate_pdf(certificate: Any, *, base_url: str = "", compress: bool = True) -> bytes:
    """The certificate as PDF bytes: title, the volunteer's name, masked ID number and
    volunteer number, approved hours, records, first and last service dates, star level, the
    certificate number, the issue date and the verification address (``base_url`` makes it
    absolute, e.g. ``https://gongzhi.example``; a QR code of it is drawn beside it)."""
    _register_fonts()
    volunteer = certificate.volunteer
    person = volunteer.person
    path = verification_path(certificate)
    url = f"{base_url.rstrip('/')}{path}" if base_url else path
    issued_on = timezone.localtime(certificate.issued_at).date() if certificate.issued_at else None

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0)
    pdf.setTitle(f"{_('志愿服务证明')} {certificate.number}")
    pdf.setAuthor(_("共治 · 基层社会治理平台"))
    pdf.setSubject(_("志愿服务证明"))
    width, height = A4

    # A thin red frame, as paper certificates have.
    pdf.setStrokeColor(RED)
    pdf.setLineWidth(2)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setLineWidth(0.5)
    pdf.rect(18 * mm, 18 * mm, width - 36 * mm, height - 36 * mm)

    pdf.setFillColor(RED)
    pdf.setFont(CJK_FONT, 28)
    pdf.drawCentredString(width / 2, height - 50 * mm, _("志愿服务证明"))
    pdf.setFillColorRGB(0, 0, 0)

    left = 35 * mm
    y = height - 75 * mm
    pdf.setFont(CJK_FONT, 13)
    opening = _("兹证明 %(name)s 同志在本平台登记为志愿者，经组织方认定的志愿服务情况如下：") % {
        "name": person.name
    }
    pdf.drawString(left, y, opening)
    y -= 14 * mm

    rows: list[tuple[str, str, str]] = [
        (_("姓名"), person.name, CJK_FONT),
        (_("身份证号码"), person.id_number_masked, LATIN_FONT),
        (_("志愿者编号"), volunteer.number, LATIN_FONT),
        (_("累计认定服务时长"), _("%(h)s 小时") % {"h": certificate.hours}, CJK_FONT),
        (_("服务记录"), _("%(n)s 条") % {"n": certificate.records}, CJK_FONT),
        (_("首次服务日期"), _date(certificate.first_served_on), LATIN_FONT),
        (_("最近服务日期"), _date(certificate.last_served_on), LATIN_FONT),
        (_("星级"), star_text(certificate.star_level), CJK_FONT),
        (_("证明编号"), certificate.number, LATIN_FONT),
        (_("开具日期"), _date(issued_on), LATIN_FONT),
    ]
    for label, value, font in rows:
        pdf.setFont(CJK_FONT, 12)
        pdf.drawString(left, y, label)
        pdf.setFont(font, 12)
        pdf.drawString(left + 45 * mm, y, str(value))
        y -= 9 * mm

    y -= 6 * mm
    pdf.setFont(CJK_FONT, 11)
    pdf.drawString(left, y, _("本证明依据开具时已认定的志愿服务记录出具。查验真伪请访问："))
    y -= 7 * mm
    pdf.setFont(LATIN_FONT, 11)
    pdf.drawString(left, y, url)

    # A QR code of the verification address, bottom right.
    size = 32 * mm
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 35 * mm - size, 30 * mm)

    pdf.setFont(CJK_FONT, 10)
    pdf.setFillColorRGB(0.4, 0.4, 0.4)
    pdf.drawString(left, 30 * mm, _("共治 · 基层社会治理平台"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
