"""REST API (FastAPI) and the web app: :func:`takt.api.app.create_app`; ``takt serve``."""
