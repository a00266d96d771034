"""The DSFR look of every form, for every app: one renderer and one base form. It imports no
app's domain, so that accounts, audit and sharing all build their forms on it."""

from django import forms
from dsfr.forms import DsfrBaseForm, DsfrDjangoTemplates

# One renderer for every form: DsfrBaseForm otherwise builds a new template engine (and
# recompiles the field templates) for each form instance.
DSFR_RENDERER = DsfrDjangoTemplates()


class DsfrForm(DsfrBaseForm):
    """A form in the DSFR's look, rendered by the shared renderer."""

    default_renderer = DSFR_RENDERER

    def get_context(self):
        # DsfrBaseForm.get_context only adds a transitional warning; the fields render the same.
        return forms.Form.get_context(self)
