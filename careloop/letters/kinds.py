"""The kinds of letter and their fixed sections.

Each section is a short, bounded text: there is no free-text body into which a
session's notes could be pasted wholesale, and nothing here reads clinical notes.
The consent scope says what a covering consent must allow.
"""

from dataclasses import dataclass

SECTION_LIMIT = 1500  # characters: a paragraph, not a record


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    help: str
    required: bool = True
    # The clinician's own account, required before signing: the automatic starting
    # text (session counts, scores) alone does not make the report Medicare asks for.
    own_words: bool = False


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    scope: str
    sections: tuple[Section, ...]
    includes_measures: bool = False
    # A clinical letter carries a clinician's opinion and only a clinician signs it;
    # an administrative one (the acknowledgement) any member may check and send for
    # the practice.
    clinical: bool = True


KINDS = {
    "acknowledgement": Kind(
        "acknowledgement",
        "Acknowledgement of referral",
        "status",
        (
            Section(
                "appointment",
                "First appointment",
                "When the client is booked, or when we expect to see them.",
            ),
            Section("note", "Note", "Anything the doctor needs to know now.", required=False),
        ),
        clinical=False,
    ),
    "assessment_plan": Kind(
        "assessment_plan",
        "Initial assessment and treatment plan",
        "plan",
        (
            Section(
                "presenting_concerns",
                "Presenting concerns",
                "Symptoms and their impact, as relevant to the referral.",
            ),
            Section("assessment", "Assessment", "Measures used and the clinical impression."),
            Section("treatment_plan", "Treatment plan", "Approach, goals and number of sessions."),
        ),
        includes_measures=True,
    ),
    "end_of_course": Kind(
        "end_of_course",
        "End-of-course report",
        "progress",
        # The written report Better Access items require (descriptor clause (d)):
        # assessments carried out, treatment provided, recommendations; plus outcomes.
        (
            Section(
                "assessments",
                "Assessments carried out",
                "What was assessed, and how.",
                own_words=True,
            ),
            Section(
                "treatment",
                "Treatment provided",
                "The therapy and the sessions given.",
                own_words=True,
            ),
            Section(
                "outcomes",
                "Outcomes",
                "Change over the course, with the scores below.",
                own_words=True,
            ),
            Section(
                "recommendations",
                "Recommendations for future management",
                "Including whether a further course of treatment is recommended.",
                own_words=True,
            ),
        ),
        includes_measures=True,
    ),
    "discharge": Kind(
        "discharge",
        "Discharge summary",
        "discharge",
        (
            Section("reason", "Reason for discharge", "Goals met, client's choice, moved…"),
            Section("summary", "Summary of treatment", "What was done, in brief."),
            Section("outcomes", "Outcomes", "Change over treatment, with the scores below."),
            Section("recommendations", "Recommendations", "For the doctor's ongoing care."),
        ),
        includes_measures=True,
    ),
}
