"""The demo's short narratives: plausible free text with no real identifiers in it.

A minority of synthetic reports carry one, picked to match the report's category and
scrubbed like a live narrative, so the review screens show realistic sealed text.
"""

from __future__ import annotations

import random

from reporting.privacy.deid import Scrubber

NARRATIVE_SHARE = 0.12
NARRATIVES: dict[str, tuple[str, ...]] = {
    "medication": (
        "Two patients with similar surnames on the same bay; the wrong chart was picked up "
        "for the evening round. Noticed at the bedside check before anything was given.",
        "Infusion pump programmed in mg instead of micrograms. The second checker caught it.",
    ),
    "fall": (
        "Patient tried to get up alone at night, bed rails were down and the alarm mat was "
        "not plugged in. A healthcare assistant walking past steadied them.",
        "Wet floor near the bathroom with no sign out. Patient slipped but held the rail.",
    ),
    "infection": (
        "Isolation sign missing on a side room; a visitor went in without an apron. "
        "Spotted by the ward clerk.",
        "Central line dressing overdue by two days because nobody knew whose task it was.",
    ),
    "device-health-it": (
        "The electronic prescribing system showed an allergy banner for the previous patient "
        "after a screen refresh. Logged out and in again to clear it.",
        "Suction unit at the bedside was not working at the start of the shift and had no "
        "fault label.",
    ),
    "pressure-injury": (
        "Repositioning chart not filled in overnight; early redness on the heel found at "
        "the morning skin check.",
    ),
    "surgery-anesthesia": (
        "Site marking was missing when the patient arrived in the anaesthetic room. The team "
        "paused and marked it with the surgeon before starting.",
    ),
    "vte": (
        "Risk assessment not done on admission and no prophylaxis prescribed; picked up on "
        "the post-take ward round.",
    ),
    "blood-product": (
        "Sample label handwritten after leaving the bedside. The lab rejected it, as they "
        "should, and it was repeated.",
    ),
    "perinatal": (
        "CTG was not reviewed at the hourly fresh-eyes check because the ward was short; a "
        "colleague from another room noticed the trace.",
    ),
    "unsafe-staffing": (
        "One nurse to eleven patients on a night shift again, with two patients needing "
        "one-to-one care. Escalated and nobody came.",
        "We were told to open the escalation bay with no extra staff. I could not give the "
        "care I know they needed.",
    ),
    "non-beneficial-treatment": (
        "We keep escalating treatment for a patient who, in my view, will not benefit. The "
        "plan is never discussed with the whole team.",
    ),
    "end-of-life-care": (
        "A dying patient spent their last hours in a corridor because no side room was free.",
    ),
    "false-hope": (
        "The family were told there was a good chance of recovery when the team knew there "
        "was not. I was left to answer their questions at night.",
    ),
    "cost-pressure": (
        "Asked to discharge before the patient was safe to go home, because of bed targets.",
    ),
    "team-conflict": (
        "Raised a concern on the ward round and was spoken over in front of the patient.",
    ),
    "lack-of-support": (
        "After a difficult death nobody checked in with the team. No debrief, no time.",
    ),
    "pressure-to-stay-silent": (
        "Told not to put the staffing problem in writing because it would look bad.",
    ),
    "abusive-behaviour": (
        "A relative shouted and threatened staff at the nurses' station; we were told to "
        "carry on and not make a fuss.",
    ),
    "other": ("Something felt wrong about how this was handled and I want it on record.",),
}


def pick_narrative(
    rng: random.Random, category: str, scrubber: Scrubber, scrubbed: dict[str, str]
) -> str:
    """A scrubbed narrative for a report of ``category``, or "" for most reports.

    ``scrubbed`` caches each template's scrubbed text, so a template is scrubbed once.
    """
    if rng.random() >= NARRATIVE_SHARE:
        return ""
    text = rng.choice(NARRATIVES.get(category, NARRATIVES["other"]))
    if text not in scrubbed:  # scrubbed like a live narrative, once per template
        scrubbed[text] = scrubber.scrub(text).text
    return scrubbed[text]
