"""Form fields and validators shared by the bureau's and the facilities' forms."""

from __future__ import annotations

import wtforms
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.validators import DataRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.validators import check_date, control_character_error, has_visible


def one_line(value):
    """A field filter for a list of codes: tabs and line breaks (codes pasted from a
    spreadsheet's row or column) separate them as spaces do."""
    if isinstance(value, str):
        return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return value


def stripped(value):
    """A field filter: a code pasted with spaces around it is the code (so a length check
    measures the code, not the spaces)."""
    return value.strip() if isinstance(value, str) else value


class Required(DataRequired):
    """``DataRequired`` that also takes text of only invisible characters (a zero-width
    space, which ``strip()`` keeps) as left blank."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and field.data and not has_visible(field.data):
            field.errors[:] = []
            raise StopValidation(self.message)
        super().__call__(form, field)


REQUIRED = Required(_l("此项必填"))
#: A required date: a value the browser could not send as a date arrives empty.
VALID_DATE = DataRequired(_l("请填写有效日期"))


class Form(FlaskForm):
    """The base of the portal's forms. A submitted form reads files only into its file
    fields: a file sent under the name of a text field (only a tampered request does that)
    is ignored, so the field reads as left empty and says so in Chinese, instead of the
    text validators failing on a file. Nor is a JSON body read as the form, as Flask-WTF
    would: the pages post forms, and the API has views of its own."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:
                return formdata
            if not form.is_submitted():
                return None
            file_fields = {field.name for field in form if isinstance(field, wtforms.FileField)}
            uploads = MultiDict(
                [(k, v) for k, v in request.files.items(multi=True) if k in file_fields]
            )
            if uploads:
                return CombinedMultiDict((uploads, request.form))
            return request.form or None

    def validate(self, extra_validators=None) -> bool:
        """Every field's own validators, and for each text field typed in: no control
        characters (line breaks and tabs only in a multi-line field). A multi-line
        field's line breaks are read as "\n", as the API takes them (browsers send
        "\r\n"): its length is counted, and the text stored, alike from either."""
        for field in self:
            if isinstance(field, wtforms.TextAreaField) and isinstance(field.data, str):
                field.data = field.data.replace("\r\n", "\n").replace("\r", "\n")
        valid = super().validate(extra_validators)
        for field in self:
            if (
                isinstance(field, wtforms.StringField)
                and not isinstance(field, wtforms.PasswordField | wtforms.HiddenField)
                and isinstance(field.data, str)
            ):
                multiline = isinstance(field, wtforms.TextAreaField)
                if message := control_character_error(field.data, multiline):
                    field.errors = [*field.errors, message]
                    valid = False
        return valid


class DateField(wtforms.DateField):
    """A date from ``portal.validators.EARLIEST_DATE`` to ``LATEST_DATE``: a year typed
    short (0202 for 2022) or wrong (9999) is refused here instead of being stored."""

    def pre_validate(self, form):
        if self.data is not None and (message := check_date(self.data)):
            raise ValidationError(message)


class CheckboxesField(wtforms.SelectMultipleField):
    """Several choices as a list of checkboxes; a value that is not one of the choices
    (only a tampered request sends one) is refused in Chinese, each value quoted."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if self.process_errors or not self.data or self.choices is None:
            super().pre_validate(form)
        # Otherwise checked in post_validate, which runs even after an Optional() validator
        # stopped the chain: Optional stops on a blank first value and clears the errors
        # found before it, so a tampered "" (or "" followed by anything) would pass.

    def post_validate(self, form, validation_stopped):
        if self.process_errors or not self.data or self.choices is None:
            return
        acceptable = {self.coerce(choice.value) for choice in self._iter_choices_normalized()}
        unacceptable = sorted({str(v) for v in self.data if v not in acceptable})
        if unacceptable:
            quoted = "、".join(f"“{v}”" for v in unacceptable)
            raise ValidationError(_("%(values)s不是有效选项", values=quoted))
