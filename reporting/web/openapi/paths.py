"""The paths of the OpenAPI description: each operation, its parameters and its answers.

Query enumerations come from the live taxonomy, so a parameter allows exactly what the
server accepts; rules across parameters are the server's, and its 400 names them.
"""

from __future__ import annotations

from typing import Any

from reporting.taxonomy import KINDS, ROLES, SEVERITIES, Taxonomy

ERROR_CODES = {
    "400": "Invalid input; `fields` names each invalid field.",
    "404": "Not found.",
    "413": "Body too large.",
    "409": "The report is closed; send a new report instead.",
    "415": "Body is not JSON.",
    "429": "Too many requests from this network.",
    "503": (
        "Nothing was stored: the server refused to seal to a review key that failed its "
        "signature check (`reporting check` names it). Try again later."
    ),
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json_body(ref: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: _error_response(ERROR_CODES[status]) for status in statuses}


# What one query parameter can say; rules across parameters (one published table, a period
# of the chosen granularity, since not after until) are checked by the server: 400 names them.
_DIMENSION = "(kind|category|department|unit|role|severity)"
GROUP_BY_PATTERN = rf"^(\s*{_DIMENSION}\s*(,\s*{_DIMENSION}\s*)*)?$"
PERIOD_PATTERN = r"^\s*[0-9]{4}(-[0-9]{2}|-Q[1-4])?\s*$"


def paths(taxonomy: Taxonomy) -> dict[str, Any]:
    """Every path under /api/v1 with its operations."""
    categories = sorted({slug for (_, slug) in taxonomy.categories})
    return {
        "/reports": {
            "post": {
                "summary": "File a report",
                "operationId": "fileReport",
                "requestBody": _json_body("ReportSubmission"),
                "responses": {
                    "201": {
                        "description": "Filed. The receipt is shown once and never stored.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}
                        },
                    },
                    **_errors("400", "413", "415", "429", "503"),
                },
            }
        },
        "/deidentify": {
            "post": {
                "summary": "Preview how a narrative would be de-identified",
                "operationId": "deidentify",
                "requestBody": _json_body("NarrativePreviewRequest"),
                "responses": {
                    "200": {
                        "description": "The narrative as it would be stored.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NarrativePreview"}
                            }
                        },
                    },
                    **_errors("400", "413", "415", "429"),
                },
            }
        },
        "/follow-up": {
            "post": {
                "summary": "Status and conversation of a report, by its receipt",
                "operationId": "followUp",
                "requestBody": _json_body("FollowUpRequest"),
                "responses": {
                    "200": {
                        "description": "The report's status.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/FollowUp"}
                            }
                        },
                    },
                    "404": _error_response("No report answers to this receipt."),
                    **_errors("400", "413", "415", "429"),
                },
            }
        },
        "/follow-up/messages": {
            "post": {
                "summary": "Answer the reviewers, by receipt",
                "operationId": "followUpMessage",
                "description": (
                    "De-identified by the server like a narrative (preview it with "
                    "/deidentify), sealed, and shown to reviewers from the next daily batch."
                ),
                "requestBody": _json_body("FollowUpMessageRequest"),
                "responses": {
                    "201": {
                        "description": "Stored, as shown.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Message"}}
                        },
                    },
                    "404": _error_response("No report answers to this receipt."),
                    **_errors("400", "409", "413", "415", "429", "503"),
                },
            }
        },
        "/trends": {
            "get": {
                "summary": "Leadership trends from the released, suppressed tables",
                "operationId": "trends",
                "description": (
                    "Group by dimensions of one published table (categories: kind, "
                    "category, department, unit; roles: kind, role, department; "
                    "severities: kind, severity, department) and fix single values of "
                    "its other dimensions. A hidden cell's count is null whatever its "
                    "value. Needs a leadership session or a bearer token."
                ),
                "security": [{"bearer": []}, {"session": []}],
                "parameters": [
                    {
                        "name": "granularity",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["month", "quarter", "year"]},
                    },
                    {
                        "name": "group_by",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": GROUP_BY_PATTERN},
                        "description": (
                            "Comma-separated dimensions of one published table, each "
                            "at most once, none also given as a filter; may be empty."
                        ),
                    },
                    {
                        "name": "since",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": PERIOD_PATTERN},
                        "description": "A period of the granularity: 2026-03, 2026-Q1, 2026.",
                    },
                    {
                        "name": "until",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": PERIOD_PATTERN},
                        "description": "A period of the granularity, not before since.",
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(KINDS)},
                    },
                    {
                        "name": "category",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": categories},
                    },
                    {
                        "name": "department",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": sorted(taxonomy.departments)},
                    },
                    {
                        "name": "unit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": sorted(taxonomy.units)},
                    },
                    {
                        "name": "role",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(ROLES)},
                    },
                    {
                        "name": "severity",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(SEVERITIES)},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One cell per period and combination of values.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Trends"}}
                        },
                    },
                    "401": _error_response("No leadership session or token."),
                    "403": _error_response("The account has no leadership role."),
                    "400": _error_response("The query is outside the published surface."),
                },
            }
        },
        "/taxonomy": {
            "get": {
                "summary": "Kinds with categories, departments with units, roles, severities",
                "operationId": "taxonomy",
                "responses": {
                    "200": {
                        "description": "The active taxonomy.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Taxonomy"}
                            }
                        },
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.0 document."}},
            }
        },
    }
