"""Everything an anonymous client can read of the market, collected through the API as an outsider would."""

MARKET_RANGES = "/api/v1/market-ranges/"
SIZES = ("any", "startup", "mid_size", "large")
SECTORS = ("any", "technology", "finance", "healthcare", "automotive", "consumer", "media", "industrial",
           "services", "public")  # fmt: skip


def follow(api, url: str, params: dict | None = None) -> list[dict]:
    """Every result of a paged list, following `next` to the end."""
    results, response = [], api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        results += body["results"]
        if not body["next"]:
            return results
        response = api.get(body["next"])


def every_range(api, *, sectors=SECTORS) -> dict[str, dict]:
    """Every market range the API lists, published or not, through every filter combination, by key."""
    listed = {}
    for size in SIZES:
        for sector in sectors:
            for remote in ("false", "true"):
                for window in ("12m", "all"):
                    query = {"size": size, "sector": sector, "remote": remote, "window": window, "page_size": 100}
                    listed |= {r["segment"]["key"]: r for r in follow(api, MARKET_RANGES, query)}
    return listed


def everything_public(api, **options) -> dict[str, dict]:
    """Every range an anonymous client is shown with figures, by key."""
    return {key: r for key, r in every_range(api, **options).items() if r["published"]}


def every_job(api) -> list[dict]:
    return follow(api, "/api/v1/jobs/", {"page_size": 100})
