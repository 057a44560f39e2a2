"""The API's JSON renderer: DRF's output, encoded by orjson.

On a page of 50 cases DRF's ``json.dumps`` with its encoder class was a tenth of the request
(bench R2); orjson writes the same compact UTF-8 JSON several times faster. Values orjson does
not know natively (``Decimal``, lazy translations, ``datetime`` — passed through so that DRF
formats them, ``Z`` for UTC included) go to DRF's own encoder. A pretty-printed answer
(``Accept: application/json; indent=4``, the browsable API) is left to DRF.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_default = encoders.JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        if (
            not self.compact
            or self.ensure_ascii
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            out = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # What orjson refuses and json accepts (an integer beyond 64 bits): DRF's way.
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: U+2028 and U+2029 escaped, so the JSON is also valid JavaScript.
        if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
            out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return out
