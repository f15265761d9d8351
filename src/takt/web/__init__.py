"""Server-rendered web pages (Jinja2) for planners, buyers, approvers and suppliers.

:func:`takt.web.pages.install` adds them to the API's FastAPI app; they share its users,
sessions and CSRF check (:mod:`takt.api.deps`). Everything the pages load is served by
the app itself (Plotly's JavaScript from the installed ``plotly`` package): no CDN, no
external font, so they work offline.
"""
