"""The DSFR look of every form, for every app: one renderer and one base form. It imports no
app's domain, so that accounts, audit and sharing all build their forms on it."""

from django import forms
from dsfr.forms import DsfrBaseForm, DsfrDjangoTemplates

# One renderer for every form: DsfrBaseForm otherwise builds a new template engine (and
# recompiles the field templates) for each form instance.
DSFR_RENDERER = DsfrDjangoTemplates()

# A refused choice in the words Django gives a model choice, which quote nothing: a plain choice
# field repeats what was typed ("Sélectionnez un choix valide. X n'en fait pas partie."), and a
# filter's value may be a name (the auditors' journal's `?action=`).
NOT_A_CHOICE = forms.ModelChoiceField.default_error_messages["invalid_choice"]
_QUOTING = ("invalid_choice", "invalid_pk_value")


class DsfrForm(DsfrBaseForm):
    """A form in the DSFR's look, rendered by the shared renderer."""

    default_renderer = DSFR_RENDERER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # each form's own copies of its fields
            for code in _QUOTING:
                if code in field.error_messages:
                    field.error_messages[code] = NOT_A_CHOICE

    def get_context(self):
        # DsfrBaseForm.get_context only adds a transitional warning; the fields render the same.
        return forms.Form.get_context(self)
