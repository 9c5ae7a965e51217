"""Say so when Streamlit dropped the page's link.

Streamlit ignores a whole query string that has more than 1,000 parameters or more than 512 Ki
characters (`streamlit.runtime.state.query_params.sanitize_query_string`): the script then sees no
parameters at all and cannot tell a plain link from a dropped one. Only the browser still holds
the link, so a tiny same-origin script (a zero-height component) reads it and, when it is over
either limit, shows a notice above the page. The notice text is written with `textContent`, never parsed as HTML.
"""
from __future__ import annotations

import json

import streamlit.components.v1 as components

try:  # the limits Streamlit applies (fall back to their values in Streamlit 1.67)
    from streamlit.runtime.state.query_params import (
        CLIENT_STATE_QUERY_STRING_MAX_FIELDS as MAX_FIELDS,
        CLIENT_STATE_QUERY_STRING_MAX_LENGTH as MAX_LENGTH,
    )
except ImportError:  # pragma: no cover - older or newer Streamlit without the constants
    MAX_FIELDS, MAX_LENGTH = 1000, 512 * 1024

NOTICE_ID = "mapapp-link-dropped"

_SCRIPT = """<script>
(function () {
  var top = window.parent, first = top.location.search, q = first.replace(/^\\?/, "");
  var fields = q ? q.split("&").length : 0;
  if (fields <= %(fields)d && q.length <= %(length)d) return;
  var box = top.document.getElementById(%(id)s);
  if (!box) {
    box = top.document.createElement("div");
    box.id = %(id)s;
    box.setAttribute("role", "alert");
    box.style.cssText = "margin:0.5rem 1rem;padding:0.75rem 1rem;border-radius:0.5rem;" +
      "background:#fff3cd;color:#664d03;border:1px solid #ffecb5;font-family:sans-serif";
    var main = top.document.querySelector("[data-testid='stMain']") || top.document.body;
    main.insertBefore(box, main.firstChild);
  }
  box.textContent = %(text)s.replace("{fields}", fields).replace("{chars}", q.length);
  var timer = setInterval(function () {  // the page writes a new link once the user filters
    if (top.location.search !== first) { box.remove(); clearInterval(timer); }
  }, 1000);
})();
</script>"""

_TEXT = {
    "zh": "这个链接太长（{fields} 个参数、{chars} 个字符；Streamlit 最多接受 %(fields)d 个参数、%(length)d 个字符），"
          "其中的筛选条件全部未应用。请减少筛选值后重新生成链接。",
    "en": "This link is too long ({fields} parameters, {chars} characters; Streamlit accepts at most %(fields)d "
          "parameters and %(length)d characters), so none of its filters were applied. Choose fewer values and "
          "copy the link again.",
}


def warn_if_link_dropped(lang: str) -> None:
    """Add the zero-height script that shows the notice while the browser's link is over
    Streamlit's limits (and removes it once the page writes a new link). Returns nothing."""
    limits = {"fields": MAX_FIELDS, "length": MAX_LENGTH}
    text = _TEXT.get(lang, _TEXT["zh"]) % limits
    # json.dumps gives a JS string literal; "</" is split so it can never close the script element.
    literal = json.dumps(text).replace("</", "<\\/")
    components.html(_SCRIPT % {"id": json.dumps(NOTICE_ID), "text": literal, **limits}, height=0)
