"""De-identification of free-text incident narratives.

Pure standard-library package. ``scrub(text)`` replaces identifiers with typed tokens
(``[NAME]``, ``[EMAIL]``, ``[URL]``, ``[PHONE]``, ``[ID]``, ``[DATE]``, ``[TIME]``, ``[AGE]``,
``[ADDRESS]``, ``[POSTCODE]``, ``[BED]``) and returns a :class:`ScrubResult` that records every
replacement so the reporter can review what was removed.

How it works, in two passes over the text:

1. Bed, room and cubicle numbers (:mod:`.beds`; the cue word stays). One combined regular
   expression with named groups finds the structured identifiers
   (e-mail, URL, phone, record numbers, dates, times, ages over 89, street addresses,
   postcodes). Cue words such as ``MRN``, ``bleep`` or a weekday before a date are matched
   as part of the pattern but kept in the output; only the value becomes a token. The
   pattern is only tried where a match can start (at a number, or at a cue word followed
   by one), which gives the same result as a plain scan at a fraction of the cost.
2. A word-level pass finds people's names from cues rather than from a closed list:
   titles (``Dr``, ``Nurse``, ``Mrs`` ... the title goes inside the token), role words
   (``the registrar,`` ``my colleague`` ... the role stays), reporting verbs (``X said``,
   ``told X``), appositions (``X the HCA``), and a bundled list of given names and surnames
   from many cultures (``deid/data/names.txt``). A seed name is then extended over
   adjacent name-like words, initials and particles (``van der``, ``bin``, ``ap``, ``Ní``).
   Eponyms and places (``Parkinson's disease``, ``Nightingale ward``, ``St Mary's``) are
   recognised by the word that follows or precedes them and left alone. A word found as a
   name once is a name wherever it recurs capitalised, and an unknown capitalised word
   joined to a name by "and"/"or" is one too.
3. Safety nets: ages in "Name, 94," and time ranges/lists after a time; any run of six or
   more digits still left becomes ``[ID]``.

Text the reporter asked to keep (``keep``) and existing tokens are never touched, so
scrubbing is idempotent.

Conventions: ages of 89 and under, bare weekdays, months and years, durations, doses,
scores and ratios are clinical content and are kept.

Modules, in the order a narrative meets them: :mod:`.scrubber` (the passes and the
result), :mod:`.patterns`, :mod:`.cue_words` and :mod:`.structured` (pass 1),
:mod:`.tokens` (cut once and shared by both passes),
:mod:`.context`, :mod:`.seeds` and :mod:`.names` (pass 2, with the word lists in
:mod:`.vocabulary` and :mod:`.cues` and the bundled list in :mod:`.name_list`),
:mod:`.safety_nets` (3), and :mod:`.occupancy` (which text is already taken).
"""

from __future__ import annotations

from .scrubber import TOKENS, Replacement, Scrubber, ScrubResult, scrub
from .structured import _matches as _matches  # compared by the tests
from .structured import _matches_reference as _matches_reference

__all__ = ["TOKENS", "Replacement", "ScrubResult", "Scrubber", "scrub"]
