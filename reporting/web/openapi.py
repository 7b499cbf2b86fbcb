"""The OpenAPI 3.0 description served at /api/v1/openapi.json.

Enumerations come from the live taxonomy, so the description is exactly what the server
accepts; schemathesis checks the server against it.
"""

from __future__ import annotations

from typing import Any

from reporting.reports import DISTRESS_TYPES, POTENTIAL_HARM, STOPPED_BY
from reporting.taxonomy import DEPARTMENT_PREFIX, KINDS, NOT_GIVEN, ROLES, SEVERITIES, Taxonomy

ERROR_CODES = {
    "400": "Invalid input; `fields` names each invalid field.",
    "404": "Not found.",
    "413": "Body too large.",
    "409": "The report is closed; send a new report instead.",
    "415": "Body is not JSON.",
    "429": "Too many requests from this network.",
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

NEAR_MISS_FIELDS = {
    "stopped_by": {"type": "string", "enum": list(STOPPED_BY)},
    "potential_harm": {"type": "string", "enum": list(POTENTIAL_HARM)},
}
MORAL_DISTRESS_FIELDS = {
    "intensity": {"type": "integer", "minimum": 0, "maximum": 10},
    "distress_type": {"type": "string", "enum": list(DISTRESS_TYPES)},
}

EITHER_KIND_FIELDS = NEAR_MISS_FIELDS | MORAL_DISTRESS_FIELDS


def _submission(
    kind: str,
    taxonomy: Taxonomy,
    units: list[str],
    max_narrative: int,
    own_fields: dict[str, Any],
) -> dict[str, Any]:
    """One kind's report: its active categories and only the coded fields of that kind.

    ``kind`` "any" gives the union of both kinds, which the oneOf above then narrows.
    """
    kinds = list(KINDS) if kind == "any" else [kind]
    categories = sorted({c.slug for k in kinds for c in taxonomy.categories_of(k)})
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "category"],
        "properties": {
            "kind": {"type": "string", "enum": kinds},
            "category": {
                "type": "string",
                "enum": categories,
                "description": "A category slug of the chosen kind.",
            },
            "unit": {"type": "string", "enum": units, "default": NOT_GIVEN},
            "role": {"type": "string", "enum": list(ROLES), "default": NOT_GIVEN},
            **own_fields,
            "narrative": {
                "type": "string",
                "maxLength": max_narrative,
                "description": "De-identified by the server before it is sealed.",
            },
            "keep": {
                "type": "array",
                "maxItems": 50,
                "items": {"type": "string"},
                "description": "Exact words the reporter chose to keep unscrubbed.",
            },
        },
    }


def openapi_document(taxonomy: Taxonomy, max_narrative: int) -> dict[str, Any]:
    categories = sorted({slug for (_, slug) in taxonomy.categories})
    # Live filing takes active units and departments only; retired ones stay for imports.
    units = (
        sorted(slug for slug, unit in taxonomy.units.items() if not unit.retired)
        + [DEPARTMENT_PREFIX + d.slug for d in taxonomy.active_departments()]
        + [NOT_GIVEN]
    )
    named_list = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["slug", "name"],
            "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
        },
    }
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
        "paths": {
            "/reports": {
                "post": {
                    "summary": "File a report",
                    "operationId": "fileReport",
                    "requestBody": _json_body("ReportSubmission"),
                    "responses": {
                        "201": {
                            "description": "Filed. The receipt is shown once and never stored.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Receipt"}
                                }
                            },
                        },
                        **_errors("400", "413", "415", "429"),
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
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Message"}
                                }
                            },
                        },
                        "404": _error_response("No report answers to this receipt."),
                        **_errors("400", "409", "413", "415", "429"),
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
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Trends"}
                                }
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
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "ReportSubmission": {
                    **_submission(
                        "any",
                        taxonomy,
                        units,
                        max_narrative,
                        NEAR_MISS_FIELDS | MORAL_DISTRESS_FIELDS,
                    ),
                    "description": "A report of either kind: each kind has its own fields.",
                    "oneOf": [
                        {"$ref": "#/components/schemas/NearMissSubmission"},
                        {"$ref": "#/components/schemas/MoralDistressSubmission"},
                    ],
                },
                "NearMissSubmission": _submission(
                    "near-miss", taxonomy, units, max_narrative, NEAR_MISS_FIELDS
                ),
                "MoralDistressSubmission": _submission(
                    "moral-distress", taxonomy, units, max_narrative, MORAL_DISTRESS_FIELDS
                ),
                "Receipt": {
                    "type": "object",
                    "required": ["receipt", "period"],
                    "properties": {
                        "receipt": {
                            "type": "string",
                            "pattern": "^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$",
                        },
                        "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    },
                },
                "NarrativePreviewRequest": {
                    "type": "object",
                    "required": ["narrative"],
                    "properties": {
                        "narrative": {"type": "string", "maxLength": max_narrative},
                        "keep": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "NarrativePreview": {
                    "type": "object",
                    "required": ["narrative", "replacements"],
                    "properties": {
                        "narrative": {"type": "string"},
                        "replacements": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["kind", "original"],
                                "properties": {
                                    "kind": {"type": "string"},
                                    "original": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "FollowUpRequest": {
                    "type": "object",
                    "required": ["receipt"],
                    "properties": {"receipt": {"type": "string", "maxLength": 64}},
                },
                "FollowUp": {
                    "type": "object",
                    "required": ["period", "kind", "category", "status", "messages"],
                    "properties": {
                        "period": {"type": "string"},
                        "kind": {"type": "string", "enum": list(KINDS)},
                        "category": {"type": "string"},
                        "status": {"type": "string"},
                        "messages": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Message"},
                        },
                    },
                },
                "FollowUpMessageRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["receipt", "message"],
                    "properties": {
                        "receipt": {"type": "string", "maxLength": 64},
                        "message": {"type": "string", "minLength": 1, "maxLength": max_narrative},
                        "keep": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
                    },
                },
                "Message": {
                    "type": "object",
                    "required": ["author", "period", "text"],
                    "properties": {
                        "author": {"type": "string", "enum": ["reporter", "reviewer"]},
                        "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        "text": {"type": "string", "nullable": True},
                    },
                },
                "Taxonomy": {
                    "type": "object",
                    "required": ["kinds", "departments", "roles", "severities"],
                    "properties": {
                        "kinds": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "name", "categories"],
                                "properties": {
                                    "slug": {"type": "string", "enum": list(KINDS)},
                                    "name": {"type": "string"},
                                    "categories": named_list,
                                },
                            },
                        },
                        "departments": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "name", "units"],
                                "properties": {
                                    "slug": {"type": "string"},
                                    "name": {"type": "string"},
                                    "units": named_list,
                                },
                            },
                        },
                        "roles": named_list,
                        "severities": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "name"],
                                "properties": {
                                    "slug": {"type": "string", "enum": list(SEVERITIES)},
                                    "name": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "Trends": {
                    "type": "object",
                    "required": [
                        "threshold",
                        "granularity",
                        "group_by",
                        "filters",
                        "periods",
                        "cells",
                    ],
                    "properties": {
                        "threshold": {"type": "integer"},
                        "granularity": {"type": "string", "enum": ["month", "quarter", "year"]},
                        "group_by": {"type": "array", "items": {"type": "string"}},
                        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
                        "periods": {"type": "array", "items": {"type": "string"}},
                        "cells": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["period", "count"],
                                "properties": {
                                    "period": {"type": "string"},
                                    "count": {"type": "integer", "nullable": True, "minimum": 0},
                                },
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message", "fields"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        }
                    },
                },
            },
        },
    }
