"""The component schemas of the OpenAPI description: bodies sent and answers returned.

A submission's enumerations (categories, units, roles) come from the live taxonomy, and
each kind has its own schema with only its coded fields, so a body the schemas allow is
one the server accepts.
"""

from __future__ import annotations

from typing import Any

from reporting.submissions import DISTRESS_TYPES, POTENTIAL_HARM, STOPPED_BY
from reporting.taxonomy import DEPARTMENT_PREFIX, KINDS, NOT_GIVEN, ROLES, SEVERITIES, Taxonomy

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

    ``kind`` "any" gives the union of both kinds, which ReportSubmission's oneOf narrows.
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


def schemas(taxonomy: Taxonomy, max_narrative: int) -> dict[str, Any]:
    """The named schemas that the paths refer to as ``#/components/schemas/<name>``."""
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
    }
