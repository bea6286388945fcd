"""Hypothesis strategies for profiles: every valid shape, including missing data."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from bot.profile.schema import (
    CycleIn,
    ExamIn,
    LetterIn,
    PlannedExamIn,
    PracticeScoreIn,
    ProfileIn,
    ResearchIn,
    UsceIn,
)
from bot.vocab import (
    ApplicantType,
    CycleOutcome,
    EcfmgStatus,
    Exam,
    PassFail,
    Pathway,
    ResearchKind,
    Specialty,
    UsceKind,
    VisaNeed,
)

days = st.dates(min_value=date(2012, 1, 1), max_value=date(2030, 12, 31))
scores = st.integers(min_value=150, max_value=290)


@st.composite
def exams(draw: st.DrawFn) -> list[ExamIn]:
    out = []
    for exam in draw(st.lists(st.sampled_from(list(Exam)), unique=True)):
        for attempt in range(1, draw(st.sampled_from([1, 1, 1, 2, 2, 3, 4, 5])) + 1):
            if exam is Exam.STEP1 and draw(st.booleans()):
                score, result = None, draw(st.sampled_from(list(PassFail)))
            else:
                score, result = draw(scores), None
            out.append(
                ExamIn(exam=exam, score=score, result=result, attempt=attempt, taken_on=draw(days))
            )
    return out


@st.composite
def usce_items(draw: st.DrawFn) -> UsceIn:
    start = draw(days)
    end = draw(st.one_of(st.none(), st.integers(0, 60).map(lambda w: start + timedelta(weeks=w))))
    return UsceIn(
        kind=draw(st.sampled_from(list(UsceKind))),
        specialty=draw(st.sampled_from(list(Specialty))),
        us=draw(st.booleans()),
        start=start,
        end=end,
    )


letters = st.builds(
    LetterIn,
    writer=st.just("Dr. W"),
    specialty=st.sampled_from(list(Specialty)),
    us=st.booleans(),
    strong=st.booleans(),
    received_on=days,
)
research = st.builds(
    ResearchIn,
    kind=st.sampled_from(list(ResearchKind)),
    specialty=st.sampled_from(list(Specialty)),
    first_author=st.booleans(),
    title=st.just("A study"),
    date=days,
)
practice = st.builds(PracticeScoreIn, exam=st.just(Exam.STEP2CK), score=scores, taken_on=days)


@st.composite
def cycles(draw: st.DrawFn) -> list[CycleIn]:
    seasons = draw(st.lists(st.integers(2018, 2031), unique=True, max_size=4))
    return [
        CycleIn(
            season=season,
            submitted_on=draw(st.one_of(st.none(), st.just(date(season - 1, 9, 3)))),
            applications=draw(
                st.dictionaries(st.sampled_from(list(Pathway)), st.integers(0, 120), max_size=3)
            ),
            interviews=draw(st.one_of(st.none(), st.integers(0, 12))),
            outcome=draw(st.sampled_from(list(CycleOutcome))),
        )
        for season in seasons
    ]


@st.composite
def profiles(draw: st.DrawFn) -> ProfileIn:
    planned = draw(
        st.lists(
            st.builds(PlannedExamIn, exam=st.sampled_from(list(Exam)), planned_on=days),
            max_size=3,
            unique_by=lambda p: p.exam,
        )
    )
    return ProfileIn(
        name="Hypothesis",
        applicant_type=draw(st.sampled_from(list(ApplicantType))),
        visa=draw(st.sampled_from(list(VisaNeed))),
        ecfmg=draw(st.sampled_from(list(EcfmgStatus))),
        graduation_year=draw(st.one_of(st.none(), st.integers(2000, 2030))),
        targets=draw(st.lists(st.sampled_from(list(Pathway)), unique=True, max_size=3)),
        mentor_advocate=draw(st.booleans()),
        exams=draw(exams()),
        planned_exams=planned,
        practice_scores=draw(st.lists(practice, max_size=4)),
        usce=draw(st.lists(usce_items(), max_size=4)),
        letters=draw(st.lists(letters, max_size=5)),
        research=draw(st.lists(research, max_size=8)),
        cycles=draw(cycles()),
    )
