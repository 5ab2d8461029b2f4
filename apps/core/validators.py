"""Validators shared by models in every app, so one rule reads the same wherever it applies."""

from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models

web_address = URLValidator(
    schemes=["http", "https"], message="Enter a full web address starting with http:// or https://."
)
currency_code = RegexValidator(r"^[A-Z]{3}\Z", "Use a three-letter currency code such as EUR.")
not_negative = MinValueValidator(0, "Enter an amount of zero or more.")


class WebAddressField(models.URLField):
    """A link to a web page: http or https only, with one clear message when it is not."""

    default_validators = [web_address]

    def formfield(self, **kwargs):
        # A typed address without a scheme is read as https (forms and the admin alike).
        return super().formfield(**{"assume_scheme": "https", **kwargs})
