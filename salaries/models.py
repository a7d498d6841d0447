from django.db import models


class ExchangeRate(models.Model):
    """How many US dollars one unit of `currency` was worth on `date`."""

    currency = models.CharField(max_length=3)
    date = models.DateField()
    rate_to_usd = models.DecimalField(max_digits=20, decimal_places=10)
    source = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="exchange_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate_to_usd__gt=0), name="exchange_rate_positive"),
        ]
        indexes = [models.Index(fields=["currency", "-date"], name="exchange_rate_latest")]
        ordering = ["currency", "-date"]

    def __str__(self):
        return f"1 {self.currency} = {self.rate_to_usd} USD on {self.date}"
