"""Words around a name that signal a person, or that show a capitalised word is not one.

Titles (``Dr``, ``Nurse``) and role words (``the registrar``) introduce a name; reporting
verbs (``said``, ``told``) sit beside one; eponym followers (``disease``, ``ward``) and place
words (``St``, ``Mount``) show that a name-like word names a thing or a place instead.
"""

from __future__ import annotations

from .vocabulary import _words

# Titles: (lower-case form, strong). A strong title marks a name even after "the".
_TITLES = {
    "dr": True,
    "dr.": True,
    "doctor": False,
    "mr": True,
    "mr.": True,
    "mrs": True,
    "mrs.": True,
    "ms": True,
    "ms.": True,
    "miss": True,
    "mx": True,
    "prof": True,
    "prof.": True,
    "professor": True,
    "sister": False,
    "sr": True,
    "sr.": True,
    "sra": True,
    "sra.": True,
    "srta": True,
    "srta.": True,
    "nurse": False,
    "matron": False,
    "father": False,
    "fr": True,
    "fr.": True,
    "rev": True,
    "rev.": True,
    "revd": True,
    "reverend": True,
    "imam": False,
    "rabbi": False,
    "pastor": False,
}
_TITLE_PREFIX = {
    "charge",
    "staff",
    "senior",
    "ward",
    "head",
    "junior",
    "sister",
}  # "Charge Nurse", "Staff Nurse"

_MODIFIERS = _words(
    """ward charge staff senior junior scrub theatre theatres night day bank agency new duty
    on-call oncall student specialist research clinical lead head community district practice
    deputy assistant registered trainee other same usual regular locum recovery triage
    paediatric pediatric surgical medical icu ed itu"""
)
_DETERMINERS = {
    "the",
    "a",
    "an",
    "my",
    "our",
    "your",
    "his",
    "her",
    "their",
    "its",
    "this",
    "that",
    "another",
    "other",
    "any",
    "each",
    "every",
    "no",
    "one",
    "which",
    "whose",
}

_ROLES = _words(
    """
registrar reg consultant colleague colleagues nurse sister matron physio physiotherapist
pharmacist porter hca sho fy1 fy2 f1 f2 midwife anaesthetist anesthetist surgeon resident
attending fellow student manager clerk supervisor interpreter daughter son wife husband
partner granddaughter grandson grandmother grandfather mother father mum dad brother uncle
aunt niece nephew friend neighbour neighbor tech technician num cnm salt ot odp coordinator
hospitalist doctor gp intern pg locum rn rgn csw dietitian radiographer paramedic medic
guard chaplain cleaner housekeeper domestic mca receptionist secretary houseman officer lead
director boss mentor prescriber
preceptor educator assistant therapist psychologist psychiatrist paediatrician pediatrician
obstetrician gynaecologist cardiologist oncologist neurologist radiologist intensivist
geriatrician orthopod sonographer phlebotomist practitioner anp acp np pa ward-manager
worker carer spr str ct1 ct2 ct3 st1 st2 st3 st4 st5 st6 st7 st8 fy pgy pgy1 pgy2 pgy3 pgy-1
pgy-2 pgy-3 hca's tech techs mla aa ca
"""
)

_SPEECH_VERBS = _words(
    """
said says told asked replied shouted explained noticed realised realized insisted refused
agreed rang phoned emailed texted messaged wrote yelled screamed decided suggested
mentioned warned promised laughed shouted snapped complained apologised apologized tried
came arrived left stayed found spotted flagged noted escalated called paged bleeped
"""
)
_OBJECT_VERBS = _words(
    """
told asked thanked thank thanks rang phoned called paged bleeped emailed texted messaged
informed contacted overheard cc'd cc ask tell tells asking telling
"""
)

_EPONYM_FOLLOWERS = _words(
    """
disease diseases syndrome syndromes scale score scores procedure operation catheter stedy
catheters airway airways tube tubes nomogram sign signs test tests line lines ward wards
unit units foundation hospital hospitals trust protein criteria classification stockings
manoeuvre maneuver position splint traction frame needle mask bag technique palsy fracture
lymphoma sarcoma tumour tumor ulcer phenomenon reflex triad law equation formula chart tool
guardian competence guidelines guideline principle rule rules method approach incision block
space pouch membrane node canal duct gland cyst hernia repair shunt stent drain valve
monitor device pump mattress house centre center clinic building wing suite lecture
institute college school university medal award infirmary road street lane avenue society
association campaign uk report inquiry review act regimen protocol bundle pathway grade
stage staging type criterion sheath forceps retractor clamp laryngoscope blade lens loop
curve sequence cycle solution circuit meter pouch humidifier
service services team committee board panel group council office desk network programme
"""
)
_PLACE_PRECEDERS = _words(
    """san santa são sao los las new st st. saint mount port fort lake cape king queen prince
    princess royal lady sir co county"""
)
_LOCATION_WORDS = _words(
    """
ward bay unit theatre resus room bed hospital trust clinic centre center wing house building
floor block suite department north south east west
"""
)


_SUBJECT_VERBS = _words(
    """was is had has went came said says told asked did called rang took gave found saw
    felt thought knew left stayed arrived refused agreed noticed tried helped stayed"""
)
_TALK_VERBS = _words(
    """spoke speak speaking talked talk talking chatted chat handed over handover met
    worked working escalated explained complained apologised apologized went reported
    thanks thank grateful"""
)
