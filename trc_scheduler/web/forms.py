"""Form pieces shared by several pages."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from wtforms import DateTimeLocalField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (features, skills, roles)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LocalDateTimeField(DateTimeLocalField):
    """A local wall-clock date-time, converted to an aware UTC instant with the unit's zone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def utc(self, tz: ZoneInfo) -> datetime | None:
        """Return the field's value as an aware UTC instant in the unit's zone."""
        if self.data is None:
            return None
        return self.data.replace(tzinfo=tz).astimezone(timezone.utc)

    def set_utc(self, value: datetime | None, tz: ZoneInfo) -> None:
        """Show an aware instant as local wall-clock time."""
        self.data = value.astimezone(tz).replace(tzinfo=None) if value else None


class ListField(StringField):
    """A comma-separated free list (e.g. extra bed features), stored as a list of strings."""

    def _value(self):
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = [part.strip() for part in raw.split(",") if part.strip()]
