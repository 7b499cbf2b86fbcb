"""The OpenAPI 3.0 description served at /api/v1/openapi.json.

Enumerations come from the live taxonomy, so the description is exactly what the server
accepts; schemathesis checks the server against it. The paths and the component schemas
are built in their own modules; this one puts the document together.
"""

from __future__ import annotations

from typing import Any

from reporting.taxonomy import Taxonomy
from reporting.web.openapi.paths import paths
from reporting.web.openapi.pulse import pulse_paths, pulse_schemas
from reporting.web.openapi.schemas import schemas


def openapi_document(taxonomy: Taxonomy, max_narrative: int) -> dict[str, Any]:
    """The whole description for ``taxonomy``, narratives limited to ``max_narrative``."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Anonymous moral-distress and near-miss reporting",
            "version": "1",
            "description": (
                "Anonymous filing and follow-up. The server stores no address, user agent or "
                "time finer than the month. Narratives are de-identified, then sealed so only "
                "reviewers can read them."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {**paths(taxonomy), **pulse_paths()},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {**schemas(taxonomy, max_narrative), **pulse_schemas()},
        },
    }
