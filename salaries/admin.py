from django.contrib import admin

from salaries.models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "date", "rate_to_usd", "source"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "date"
