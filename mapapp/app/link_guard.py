"""Say so when Streamlit dropped the page's link.

Streamlit ignores a whole query string that has more than 1,000 parameters or more than 512 Ki
characters (`streamlit.runtime.state.query_params.sanitize_query_string`): the script then sees no
parameters at all and cannot tell a plain link from a dropped one. Only the browser still holds
the link, so the map's frame (same origin as the page) reads it (static/mapapp.js `checkLink`)
and, when it is over either limit, shows a notice above the page until the page writes a new
link. The notice's words travel with the map's UI words (`words`); the frame writes them with
`textContent`, never as HTML.
"""
from __future__ import annotations

try:  # the limits Streamlit applies (fall back to their values in Streamlit 1.67)
    from streamlit.runtime.state.query_params import (
        CLIENT_STATE_QUERY_STRING_MAX_FIELDS as MAX_FIELDS,
        CLIENT_STATE_QUERY_STRING_MAX_LENGTH as MAX_LENGTH,
    )
except ImportError:  # pragma: no cover - older or newer Streamlit without the constants
    MAX_FIELDS, MAX_LENGTH = 1000, 512 * 1024

NOTICE_ID = "mapapp-link-dropped"  # the notice's element id in the page (mapapp.js uses the same)

_TEXT = {
    "zh": "这个链接太长（{fields} 个参数、{chars} 个字符；Streamlit 最多接受 %(fields)d 个参数、%(length)d 个字符），"
          "其中的筛选条件全部未应用。请减少筛选值后重新生成链接。",
    "en": "This link is too long ({fields} parameters, {chars} characters; Streamlit accepts at most %(fields)d "
          "parameters and %(length)d characters), so none of its filters were applied. Choose fewer values and "
          "copy the link again.",
}


def words(lang: str) -> dict:
    """Return the map's words for the notice in `lang`: `linkDropped`, its text ({fields} and
    {chars} stand for the link's parameter and character counts, which only the browser knows),
    and `linkLimits`, [most parameters, most characters] Streamlit accepts."""
    limits = {"fields": MAX_FIELDS, "length": MAX_LENGTH}
    return {"linkDropped": _TEXT.get(lang, _TEXT["zh"]) % limits, "linkLimits": [MAX_FIELDS, MAX_LENGTH]}
