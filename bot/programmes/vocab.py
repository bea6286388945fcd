"""The words of programme data: tracks, settings, and where a programme stands on a list.

Values are what programme files hold and the database stores, so renaming one is a data
migration. Labels are the words people read (in lists, summaries and the ruleset's pivot
specialties).
"""

from __future__ import annotations

from enum import StrEnum

from bot.vocab import Pathway


class ProgrammeTrack(StrEnum):
    GENERAL_SURGERY = "general_surgery"  # categorical
    PRELIMINARY_SURGERY = "preliminary_surgery"
    TRANSITIONAL_YEAR = "transitional_year"
    INTEGRATED_PLASTICS = "integrated_plastics"
    # The pivot specialties: adjacent or less competitive, a valid outcome (P-PIVOT).
    INTERNAL_MEDICINE = "internal_medicine"
    FAMILY_MEDICINE = "family_medicine"
    PEDIATRICS = "pediatrics"
    PSYCHIATRY = "psychiatry"
    PATHOLOGY = "pathology"
    NEUROLOGY = "neurology"
    ANESTHESIOLOGY = "anesthesiology"
    RADIOLOGY = "radiology"
    PHYSICAL_MEDICINE = "physical_medicine"
    EMERGENCY_MEDICINE = "emergency_medicine"

    @property
    def label(self) -> str:
        return TRACK_LABELS[self]

    @property
    def pathway(self) -> Pathway:
        return TRACK_PATHWAYS.get(self, Pathway.PIVOT)


TRACK_LABELS = {
    ProgrammeTrack.GENERAL_SURGERY: "categorical general surgery",
    ProgrammeTrack.PRELIMINARY_SURGERY: "preliminary surgery",
    ProgrammeTrack.TRANSITIONAL_YEAR: "transitional year",
    ProgrammeTrack.INTEGRATED_PLASTICS: "integrated plastic surgery",
    ProgrammeTrack.INTERNAL_MEDICINE: "internal medicine",
    ProgrammeTrack.FAMILY_MEDICINE: "family medicine",
    ProgrammeTrack.PEDIATRICS: "pediatrics",
    ProgrammeTrack.PSYCHIATRY: "psychiatry",
    ProgrammeTrack.PATHOLOGY: "pathology",
    ProgrammeTrack.NEUROLOGY: "neurology",
    ProgrammeTrack.ANESTHESIOLOGY: "anesthesiology",
    ProgrammeTrack.RADIOLOGY: "radiology",
    ProgrammeTrack.PHYSICAL_MEDICINE: "physical medicine and rehabilitation",
    ProgrammeTrack.EMERGENCY_MEDICINE: "emergency medicine",
}
TRACK_PATHWAYS = {
    ProgrammeTrack.GENERAL_SURGERY: Pathway.GENERAL_SURGERY,
    ProgrammeTrack.PRELIMINARY_SURGERY: Pathway.PRELIMINARY_SURGERY,
    ProgrammeTrack.TRANSITIONAL_YEAR: Pathway.TRANSITIONAL_YEAR,
    ProgrammeTrack.INTEGRATED_PLASTICS: Pathway.INTEGRATED_PLASTICS,
}


class ProgrammeSetting(StrEnum):
    ACADEMIC = "academic"  # university-based
    COMMUNITY = "community"  # community-based, university-affiliated or not


class Tier(StrEnum):
    """APPLY-TIERS, from the applicant's side: reach is hardest, safety often reaches SOAP."""

    REACH = "reach"
    CORE = "core"
    SAFETY = "safety"

    @property
    def ease(self) -> int:
        """Higher is easier: a better profile only ever moves a programme up this scale."""
        return (Tier.REACH, Tier.CORE, Tier.SAFETY).index(self)


class Standing(StrEnum):
    """Where a programme stands on a mentee's list."""

    LISTED = "listed"  # on the list, in its tier
    RESERVE = "reserve"  # passes the screens, beyond the tier's size: the first to add
    EXCLUDED = "excluded"  # screened out, with the reasons
