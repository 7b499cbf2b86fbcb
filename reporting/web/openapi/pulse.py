"""The OpenAPI description of GET /pulse and its answer (released pulse waves)."""

from __future__ import annotations

from typing import Any

WAVE_PATTERN = "^[0-9a-f]{32}$"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def pulse_paths() -> dict[str, Any]:
    return {
        "/pulse": {
            "get": {
                "summary": "Released pulse waves: suppressed count tables and percent favourable",
                "operationId": "pulse",
                "description": (
                    "Every released wave (or one, by id): counts of favourable, neutral and "
                    "unfavourable answers per item (organisation, departments) and "
                    "composite (units too), and respondents, by organisation, department "
                    "and unit, and by staff group for the organisation. A hidden cell's "
                    "count is null whatever its value; percent favourable is null where "
                    "any of its counts is hidden. "
                    "Needs a leadership session or a bearer token."
                ),
                "security": [{"bearer": []}, {"session": []}],
                "parameters": [
                    {
                        "name": "wave",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": WAVE_PATTERN},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The released waves, oldest first.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pulse"}}
                        },
                    },
                    "400": _error("The wave id is not a wave id."),
                    "401": _error("No leadership session or token."),
                    "403": _error("The account has no leadership role."),
                    "404": _error("No released wave has this id."),
                },
            }
        }
    }


_NULLABLE_COUNT = {"type": "integer", "minimum": 0, "nullable": True}


def pulse_schemas() -> dict[str, Any]:
    cell = {
        "type": "object",
        "required": ["org", "role", "measure", "band", "count"],
        "properties": {
            "org": {"type": "string"},
            "role": {"type": "string"},
            "measure": {"type": "string"},
            "band": {"type": "string"},
            "count": _NULLABLE_COUNT,
        },
    }
    favourable = {
        "type": "object",
        "required": ["org", "role", "measure", "percent"],
        "properties": {
            "org": {"type": "string"},
            "role": {"type": "string"},
            "measure": {"type": "string"},
            "percent": {"type": "number", "minimum": 0, "maximum": 100, "nullable": True},
        },
    }
    wave = {
        "type": "object",
        "required": ["wave", "instrument", "version", "opens", "closes", "threshold", "cells"],
        "properties": {
            "wave": {"type": "string", "pattern": WAVE_PATTERN},
            "instrument": {"type": "string"},
            "version": {"type": "integer"},
            "title": {"type": "string"},
            "opens": {"type": "string", "format": "date"},
            "closes": {"type": "string", "format": "date"},
            "threshold": {"type": "integer", "minimum": 3},
            "min_response_rate": {"type": "number"},
            "included_units": {"type": "array", "items": {"type": "string"}},
            "left_out_respondents": {
                "type": "integer",
                "minimum": 0,
                "nullable": True,
                "description": "answers from units below the response floor, which no table "
                "counts; null when fewer than the threshold",
            },
            "items": {"type": "array", "items": {"type": "object"}},
            "composites": {"type": "object", "additionalProperties": {"type": "string"}},
            "cells": {"type": "array", "items": cell},
            "percent_favourable": {"type": "array", "items": favourable},
        },
    }
    return {
        "Pulse": {
            "type": "object",
            "required": ["waves"],
            "properties": {"waves": {"type": "array", "items": wave}},
        }
    }
