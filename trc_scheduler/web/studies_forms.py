"""Forms of the studies area: one class per page; shape checks only (cross-record rules are in services)."""
import enum
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (BooleanField, ColorField, DecimalField, EmailField, IntegerField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..models import (ROLES, SKILLS, AgeGroup, ParticipantStatus, Phase, PrecedenceKind, Sex,
                      StudyStatus)
from .forms import ListField, LocalDateTimeField, MultiCheckboxField


def enum_value(value):
    """Coerce an enum member or a submitted string to the plain string value."""
    return value.value if isinstance(value, enum.Enum) else value


PHASE_LABELS = {Phase.phase1: "1 (first-in-human possible)"}
PHASE_CHOICES = [SelectChoice(p.value, PHASE_LABELS.get(p, p.value)) for p in Phase]
RATIO_CHOICES = [SelectChoice(n, f"1:{n}") for n in (1, 2, 3, 4)]
TEAM_ROLES = ("sub-investigator", "co-investigator", "study coordinator")
CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="Use letters, digits, '-', '_' or '.', no spaces.")


def options(values) -> list[SelectChoice]:
    """Return select options whose label is the value."""
    return [SelectChoice(v) for v in values]


def _choices(enum_cls):
    return options(m.value for m in enum_cls)


class StudyForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32), CODE],
                       description="A short id such as FIH-SAD-01.")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    protocol_number = StringField("Protocol number", validators=[DataRequired(), Length(max=64)])
    irb_number = StringField("IRB number", validators=[Optional(), Length(max=64)])
    sponsor = StringField("Sponsor", validators=[Optional(), Length(max=120)])
    phase = SelectField("Phase", choices=PHASE_CHOICES, coerce=enum_value)
    first_in_human = BooleanField("First-in-human")
    status = SelectField("Status", choices=_choices(StudyStatus), coerce=enum_value)
    color = ColorField("Colour", default="#4e79a7",
                       validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message="Pick a colour.")])
    pi_id = SelectField("Principal investigator", coerce=int, validate_choice=True)

    def validate_first_in_human(self, field):
        if field.data and self.phase.data not in (Phase.phase1.value, Phase.phase1a.value):
            raise ValueError("First-in-human studies are phase 1 or 1a.")


class MemberForm(FlaskForm):
    email = EmailField("Investigator's email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role on the team", choices=options(TEAM_ROLES))


class ParticipantForm(FlaskForm):
    code = StringField("Participant code", validators=[DataRequired(), Length(max=32), CODE],
                       description="Pseudonymous study code only (e.g. SAD-C1-003): never a name or an MRN.")
    sex = SelectField("Sex", choices=_choices(Sex), coerce=enum_value)
    age_group = SelectField("Age group", choices=_choices(AgeGroup), coerce=enum_value, default="adult")
    status = SelectField("Status", choices=_choices(ParticipantStatus), coerce=enum_value, default="enrolled")


class TemplateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    duration_days = IntegerField("Length: days", default=0, validators=[InputRequired(), NumberRange(0, 90)])
    duration_hours = IntegerField("hours", default=0, validators=[InputRequired(), NumberRange(0, 23)])
    duration_mins = IntegerField("minutes", default=0, validators=[InputRequired(), NumberRange(0, 59)])
    needs_bed = BooleanField("Needs a bed", default=True)
    bed_features = MultiCheckboxField("Bed features")
    extra_features = ListField("Other bed features", description="Comma-separated, e.g. negative-pressure.")
    window_days_before = IntegerField("Window: days before the target", default=1,
                                      validators=[InputRequired(), NumberRange(0, 60)])
    window_days_after = IntegerField("Window: days after the target", default=1,
                                     validators=[InputRequired(), NumberRange(0, 60)])
    start_step_minutes = IntegerField("Admission start step (minutes)", default=60,
                                      validators=[InputRequired(), NumberRange(5, 1440)],
                                      description="Starts are tried every this many minutes from the earliest start.")
    active = BooleanField("Active (offered for new visit requests)", default=True)

    def load(self, template) -> None:
        """Split the template's length into days, hours and minutes for editing."""
        days, rest = divmod(template.duration_minutes, 1440)
        self.duration_days.data, self.duration_hours.data, self.duration_mins.data = days, rest // 60, rest % 60
        offered = {choice.value for choice in self.bed_features.choices}
        self.extra_features.data = [f for f in template.bed_features if f not in offered]
        self.bed_features.data = [f for f in template.bed_features if f in offered]

    def values(self) -> dict:
        """Return the template's values in model units (minutes, one feature list)."""
        minutes = (self.duration_days.data * 1440 + self.duration_hours.data * 60 + self.duration_mins.data)
        data = {k: getattr(self, k).data for k in ("name", "needs_bed", "window_days_before",
                                                   "window_days_after", "start_step_minutes", "active")}
        return dict(data, duration_minutes=minutes,
                    bed_features=list(self.bed_features.data or []) + list(self.extra_features.data or []))


class SegmentForm(FlaskForm):
    from_minutes = IntegerField("From (minutes after the start)", default=0,
                                validators=[InputRequired(), NumberRange(min=0)])
    to_minutes = IntegerField("To (minutes after the start)", validators=[InputRequired(), NumberRange(min=1)])
    ratio = SelectField("Nurse ratio", choices=RATIO_CHOICES, coerce=int, default=4)
    skills = MultiCheckboxField("Nurse skills", choices=options(SKILLS))


class TaskForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32), CODE],
                       description="Unique in the template, e.g. dose, pk-1h; 'start' and 'end' are reserved.")
    label = StringField("Label", validators=[DataRequired(), Length(max=80)])
    offset_minutes = IntegerField("Offset (minutes after the start)", default=0,
                                  validators=[InputRequired(), NumberRange(min=0)])
    duration_minutes = IntegerField("Duration (minutes)", default=15, validators=[InputRequired(), NumberRange(min=1)])
    role = SelectField("Role", choices=options(ROLES))
    count = IntegerField("People needed", default=1, validators=[InputRequired(), NumberRange(1, 10)])


class VisitForm(FlaskForm):
    participant_id = SelectField("Participant", coerce=int)
    template_id = SelectField("Visit template", coerce=int)
    label = StringField("Label", validators=[Optional(), Length(max=120)], description="Optional, e.g. Cohort 2 day 1.")
    target_start = LocalDateTimeField("Target start", validators=[InputRequired()])
    earliest_start = LocalDateTimeField("Earliest start", validators=[Optional()],
                                        description="Blank: the template's days before the target.")
    latest_start = LocalDateTimeField("Latest start", validators=[Optional()],
                                      description="Blank: the template's days after the target.")
    mandatory = BooleanField("Mandatory (must be scheduled)", default=True)
    priority = IntegerField("Priority (0–10, when optional)", default=5,
                            validators=[InputRequired(), NumberRange(0, 10)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)],
                          description="No names or MRNs.")

    def values(self, tz) -> dict:
        """Return the request's values with instants as aware UTC."""
        return {"label": self.label.data, "target_start": self.target_start.utc(tz),
                "earliest_start": self.earliest_start.utc(tz), "latest_start": self.latest_start.utc(tz),
                "mandatory": self.mandatory.data, "priority": self.priority.data, "notes": self.notes.data}


class PrecedenceForm(FlaskForm):
    before_id = SelectField("First visit", coerce=int)
    before_anchor = StringField("Anchor of the first visit", default="start",
                                validators=[DataRequired(), Length(max=32)],
                                render_kw={"list": "anchor-options"}, description="start, end or a task code.")
    after_id = SelectField("Later visit", coerce=int)
    after_anchor = StringField("Anchor of the later visit", default="start",
                               validators=[DataRequired(), Length(max=32)],
                               render_kw={"list": "anchor-options"}, description="start, end or a task code.")
    min_gap_hours = DecimalField("Minimum gap (hours)", default=Decimal(0), places=2,
                                 validators=[InputRequired(), NumberRange(min=0)])
    max_gap_hours = DecimalField("Maximum gap (hours)", places=2, validators=[Optional(), NumberRange(min=0)],
                                 description="Optional.")
    kind = SelectField("Kind", choices=_choices(PrecedenceKind), default="other")
    why = StringField("Why", validators=[Optional(), Length(max=200)], description="e.g. sentinel 48 h safety review.")

    def values(self) -> dict:
        """Return the precedence's values with gaps in whole minutes."""
        to_min = lambda hours: None if hours is None else int(round(hours * 60))  # noqa: E731
        return {"before_id": self.before_id.data, "after_id": self.after_id.data,
                "before_anchor": self.before_anchor.data, "after_anchor": self.after_anchor.data,
                "min_gap_minutes": to_min(self.min_gap_hours.data), "max_gap_minutes": to_min(self.max_gap_hours.data),
                "kind": self.kind.data, "why": self.why.data}
