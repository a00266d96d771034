"""The API's own serializer fields, for every app."""

from rest_framework import serializers


class TextField(serializers.CharField):
    """A string, as the schema says. DRF's CharField takes a number as well and keeps its text
    (`{"purpose": 123}` was saved as "123", and 1e999 as "inf"): a number where text is
    expected is bad input, refused as DRF refuses any other type."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
