"""Forms of the unit pages: shape checks only; cross-record rules are the services' (services/unit.py)."""
import enum

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..models import BED_FEATURES, ROLES, SKILLS, ClosureReason, RoomSharing, UnavailabilityKind
from ..services.unit import HM_RE
from .forms import ListField, LocalDateTimeField, MultiCheckboxField

CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", message="Use letters, digits, '-', '_' or '.', without spaces.")
HHMM = Regexp(HM_RE, message="Use HH:MM, e.g. 07:00.")
TIME_INPUT = {"type": "time", "placeholder": "HH:MM"}
WEEKDAYS = [SelectChoice(i, day) for i, day in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), 1)]


def enum_value(value):
    """Coerce an enum member (from a model) or a submitted string to the plain value."""
    return value.value if isinstance(value, enum.Enum) else value


def choices_of(enum_class) -> list[SelectChoice]:
    """Return select choices for an enum, labelled readably."""
    return [SelectChoice(m.value, m.value.replace("_", " ").capitalize()) for m in enum_class]


def whole(label: str, low: int, high: int, **kw) -> IntegerField:
    """Return a required whole-number field within [low, high]."""
    return IntegerField(label, validators=[InputRequired(), NumberRange(low, high)],
                        render_kw={"min": low, "max": high}, **kw)


def split_known(values, known) -> tuple[list[str], list[str]]:
    """Split a stored list into the values offered as checkboxes and the free extra ones."""
    values = list(values or [])
    return [v for v in values if v in known], [v for v in values if v not in known]


class SettingsForm(FlaskForm):
    name = StringField("Unit name", validators=[DataRequired(), Length(max=120)])
    timezone = StringField("Time zone (IANA)", validators=[DataRequired(), Length(max=64)],
                           description="For example America/New_York; all local times use it.")
    turnover_minutes = whole("Bed turnover (minutes)", 0, 1440, default=60)
    admission_from = StringField("Admissions from", default="07:00", validators=[DataRequired(), HHMM],
                                 render_kw=TIME_INPUT)
    admission_to = StringField("Admissions until", default="20:00", validators=[DataRequired(), HHMM],
                               render_kw=TIME_INPUT)
    room_sharing = SelectField("Room sharing", choices=choices_of(RoomSharing), coerce=enum_value,
                               default=RoomSharing.same_sex_same_age_group.value)
    default_load_percent = whole("Default nursing load (%)", 1, 100, default=25)
    max_admissions_per_shift = whole("Max admissions per shift", 1, 100, default=6)
    weight_unscheduled = whole("Optional visit left out", 0, 1_000_000, default=1000)
    weight_target_hour = whole("Hour away from target start", 0, 1_000_000, default=1)
    weight_continuity = whole("Change of nurse (continuity)", 0, 1_000_000, default=5)
    weight_preferred_off = whole("Shift on a preferred day off", 0, 1_000_000, default=20)
    weight_changed_visit = whole("Visit moved from published", 0, 1_000_000, default=200)
    weight_changed_shift = whole("Shift changed from published", 0, 1_000_000, default=30)


class RoomForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32), CODE])
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])


class BedForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32), CODE])
    room = SelectField("Room", coerce=int, validate_choice=True)
    features = MultiCheckboxField("Features", choices=list(BED_FEATURES))
    extra_features = ListField("Other features", description="Comma-separated, e.g. negative pressure, hoist")


class ClosureForm(FlaskForm):
    reason = SelectField("Reason", choices=choices_of(ClosureReason), coerce=enum_value)
    start = LocalDateTimeField("From", validators=[DataRequired(message="Give the start of the closure.")])
    end = LocalDateTimeField("Until", validators=[Optional()], description="Leave empty: until further notice.")
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)], render_kw={"rows": 2})


class StaffForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32), CODE])
    name = StringField("Name (synthetic)", validators=[DataRequired(), Length(max=120)])
    roles = MultiCheckboxField("Roles", choices=list(ROLES))
    extra_roles = ListField("Other roles", description="Comma-separated")
    skills = MultiCheckboxField("Skills", choices=list(SKILLS))
    extra_skills = ListField("Other skills", description="Comma-separated")
    max_shifts_per_week = whole("Max shifts per week", 0, 21, default=4)
    max_minutes_per_week = whole("Max minutes per week", 0, 7 * 1440, default=48 * 60)
    min_rest_minutes = whole("Min rest between shifts (minutes)", 0, 2 * 1440, default=11 * 60)
    max_consecutive_days = whole("Max consecutive days", 1, 14, default=3)
    preferred_days_off = MultiCheckboxField("Preferred days off", choices=WEEKDAYS, coerce=int)


class LeaveForm(FlaskForm):
    kind = SelectField("Kind", choices=choices_of(UnavailabilityKind), coerce=enum_value)
    start = LocalDateTimeField("From", validators=[DataRequired(message="Give the start.")])
    end = LocalDateTimeField("Until", validators=[DataRequired(message="Give the end.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)], render_kw={"rows": 2})


STAFFING_HELP = "NAME=NUMBER, comma-separated, e.g. RN=3, MD=1, pharmacist=1"


def min_staff_field() -> StringField:
    return StringField("Minimum staff per role", validators=[Length(max=400)], description=STAFFING_HELP)


def min_skill_field() -> StringField:
    return StringField("Minimum staff with skill", validators=[Length(max=400)], description="e.g. charge=1")


class StaffingForm(FlaskForm):
    min_staff = min_staff_field()
    min_skill = min_skill_field()


class PatternForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=8),
                                           Regexp(r"^[A-Za-z0-9]+$", message="Use letters and digits only.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=40)])
    start_time = StringField("Starts (local)", validators=[DataRequired(), HHMM], render_kw=TIME_INPUT)
    end_time = StringField("Ends (local)", validators=[DataRequired(), HHMM], render_kw=TIME_INPUT,
                           description="Before the start: ends the next day.")
    min_staff = min_staff_field()
    min_skill = min_skill_field()


class GenerateForm(FlaskForm):
    first_day = DateField("First day", validators=[DataRequired(message="Give the first day.")])
    days = whole("Number of days", 1, 62, default=7)
