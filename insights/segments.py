"""Market segments: which slices of the market a data point belongs to, and their keys.

A segment is role family × level × place × company size band × sector × remote policy × time window:
- place at four scopes: city (postings only; surveys give no city), country, region
  (insights.regions) and worldwide;
- size band: the company's band (startup, mid-size, large) or any;
- sector: the company's sector (salaries.taxonomy.Sector) or any. Cut at country, region and world only,
  since a city split by industry is nearly always too thin to publish; postings only (surveys give no
  industry); a company without a sector is in the any-sector segments only;
- remote: any, or remote-only;
- window: the last 12 months (what the public sees by default) or all time.

A posting belongs to every segment that contains it: for any sector, 4 places × 2 size choices × (1, or 2
when it is remote) × 2 windows; for its own sector, 3 places × 2 × (1 or 2) × 2 more. So at most
32 + 24 = 56 segments, and 16 + 12 = 28 for an on-site posting with a city and a sector. A survey record
belongs to at most 3 × 2 × 2 × 2 = 24. An edit touches at most twice that (before and after).

Keys spell the dimensions in order, `role:level:scope:place:size:remote:window`, with the sector after the
size band only when there is one (`ml_engineer:senior:country:US:any:finance:any:12m`), so every key made
before sectors existed still names the same segment.
"""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.utils.text import slugify

from insights.regions import region_of
from salaries.taxonomy import Sector

CITY, COUNTRY, REGION, WORLD = "city", "country", "region", "world"
SCOPES = [CITY, COUNTRY, REGION, WORLD]  # narrowest first
WINDOW_12M, WINDOW_ALL = "12m", "all"
WINDOWS = {WINDOW_12M: timedelta(days=365), WINDOW_ALL: None}
DEFAULT_WINDOW = WINDOW_12M
ANY = "any"
SIZE_CUT, SECTOR_CUT, PLACE_CUT = "size", "sector", "place"  # the dimensions a segment is cut into parts along
_SECTORS = frozenset(Sector.values)  # `Sector.values` builds a new list at every call


@dataclass(frozen=True, order=True)
class Segment:
    role_family: str
    level: str
    scope: str = WORLD
    place: str = ""  # city: "US.seattle"; country: "US"; region: "europe"; world: ""
    size_band: str = ""  # empty: any size
    remote: bool = False  # True: remote postings only
    window: str = DEFAULT_WINDOW
    sector: str = ""  # empty: any sector; never at city scope

    @property
    def key(self) -> str:
        return ":".join(
            [
                self.role_family,
                self.level,
                self.scope,
                self.place or "-",
                self.size_band or ANY,
                *([self.sector] if self.sector else []),
                "remote" if self.remote else ANY,
                self.window,
            ]
        )

    @classmethod
    def from_key(cls, key: str) -> "Segment":
        """The segment a key names. An eight-part key's sixth part is the sector (`any` allowed, which
        names the same segment as the seven-part key); `Segment.from_key(k).key` is the canonical form.
        Raises ValueError for anything else."""
        return _segment_of_key(key)

    @classmethod
    def _parse(cls, key: str) -> "Segment":
        parts = key.split(":")
        sector = parts.pop(5) if len(parts) == 8 else ANY
        if len(parts) != 7:
            raise ValueError(f"not a segment key: {key!r}")
        role_family, level, scope, place, size_band, remote, window = parts
        if scope not in SCOPES or window not in WINDOWS or remote not in (ANY, "remote"):
            raise ValueError(f"not a segment key: {key!r}")
        if sector != ANY and (sector not in _SECTORS or scope == CITY):
            raise ValueError(f"not a segment key: {key!r} (sectors are cut at country scope and wider)")
        return cls(
            role_family=role_family,
            level=level,
            scope=scope,
            place="" if place == "-" else place,
            size_band="" if size_band == ANY else size_band,
            remote=remote == "remote",
            window=window,
            sector="" if sector == ANY else sector,
        )

    @property
    def country(self) -> str:
        return self.place.split(".")[0] if self.scope in (CITY, COUNTRY) else ""

    @property
    def city_slug(self) -> str:
        return self.place.split(".", 1)[1] if self.scope == CITY else ""

    def wider(self) -> "Segment | None":
        """The next segment out: city → country → region → world, keeping the other dimensions."""
        if self.scope == CITY:
            return _replace(self, scope=COUNTRY, place=self.country)
        if self.scope == COUNTRY:
            region = region_of(self.place)
            return _replace(self, scope=REGION, place=region) if region else _replace(self, scope=WORLD, place="")
        if self.scope == REGION:
            return _replace(self, scope=WORLD, place="")
        return None

    def containing(self) -> list["Segment"]:
        """Every other segment that holds all of this one's data points: any wider place, any size, any
        sector, on-site and remote together, all time. Publishing this beside one of them publishes their
        difference too (insights.selectors checks it). At most 4 × 2 × 2 × 2 − 1 = 31, or, for a sector's
        segment, 3 × 2 × 2 × 2 × 2 − 1 = 47."""
        return [
            Segment(self.role_family, self.level, wider.scope, wider.place, size, remote, window, sector)
            for wider in self.widening()
            for size in dict.fromkeys([self.size_band, ""])
            for sector in dict.fromkeys([self.sector, ""])
            for remote in dict.fromkeys([self.remote, False])
            for window in dict.fromkeys([self.window, WINDOW_ALL])
            if (wider.scope, size, sector, remote, window)
            != (self.scope, self.size_band, self.sector, self.remote, self.window)
        ]

    def cuts(self) -> list[tuple[str, "Segment"]]:
        """The wider segments this one is a part of when they are cut along one dimension, as
        (dimension, wider segment): its size band's parts of any size (`size`), its sector's parts of any
        sector (`sector`), and the places inside the next place out (`place`: the cities of a country, the
        countries of a region, the regions of the world). The parts of one cut share no data point, so
        publishing the wider segment and all but a few parts publishes what is left (insights.selectors)."""
        parts = []
        if self.size_band:
            parts.append((SIZE_CUT, _replace(self, size_band="")))
        if self.sector:
            parts.append((SECTOR_CUT, _replace(self, sector="")))
        if (wider := self.wider()) is not None:
            parts.append((PLACE_CUT, wider))
        return parts

    def widening(self) -> list["Segment"]:
        """This segment, then every wider one, in order."""
        chain, current = [], self
        while current is not None:
            chain.append(current)
            current = current.wider()
        return chain


# Drains parse each key several times over (locking, planning, computing, storing): segments are immutable.
# Bounded well below a rebuild's 400,000 keys (which each parse once), so a rebuild does not hold them all.
_segment_of_key = lru_cache(maxsize=20_000)(Segment._parse)


def _replace(segment: Segment, **changes) -> Segment:
    return Segment(**{**segment.__dict__, **changes})


def country_segment(role_family: str, level: str, country: str, **dimensions) -> Segment:
    return Segment(role_family, level, COUNTRY, country.upper(), **dimensions)


def world_segment(role_family: str, level: str, **dimensions) -> Segment:
    return Segment(role_family, level, WORLD, "", **dimensions)


def city_place(country: str, city: str) -> str:
    slug = slugify(city or "")
    return f"{country.upper()}.{slug}" if slug and country else ""


def places_for(*, country: str, city: str = "") -> list[tuple[str, str]]:
    places = []
    if city_place(country, city):
        places.append((CITY, city_place(country, city)))
    places.append((COUNTRY, country.upper()))
    if region_of(country):
        places.append((REGION, region_of(country)))
    places.append((WORLD, ""))
    return places


def segments_for(
    *,
    role_family: str,
    level: str,
    country: str,
    city: str = "",
    size_band: str = "",
    sector: str = "",
    remote: bool = False,
) -> list[Segment]:
    """Every segment holding a data point with these dimensions (see the module's docstring for how many)."""
    sizes = [size_band, ""] if size_band else [""]
    sectors = [sector, ""] if sector else [""]
    remotes = [False, True] if remote else [False]
    return [
        Segment(role_family, level, scope, place, size, only_remote, window, in_sector)
        for (scope, place), size, in_sector, only_remote, window in itertools.product(
            places_for(country=country, city=city), sizes, sectors, remotes, WINDOWS
        )
        if not (in_sector and scope == CITY)
    ]


def segments_for_posting(posting) -> list[Segment]:
    return segments_for(
        role_family=posting.role_family,
        level=posting.level,
        country=posting.country,
        city=posting.city,
        size_band=posting.company.size_band,
        sector=posting.company.sector,
        remote=posting.remote_policy == "remote",
    )


def segments_for_observation(observation) -> list[Segment]:
    """Survey records have no city and no sector; both windows are marked, since a record may be in either."""
    return segments_for(
        role_family=observation.role_family,
        level=observation.level,
        country=observation.country,
        size_band=observation.company_size,
        remote=observation.remote_ratio == 100,
    )


def window_start(window: str, today: date) -> date | None:
    span = WINDOWS[window]
    return today - span if span else None


def first_work_year_in(window: str, today: date) -> int | None:
    """Survey records carry only a year, dated 1 July: the first year whose 1 July falls in the window."""
    start = window_start(window, today)
    if start is None:
        return None
    return start.year if start <= date(start.year, 7, 1) else start.year + 1


def place_filter(segment: Segment) -> dict:
    """Field lookups for a segment's place on a model with a `country` field (city scope aside)."""
    from insights.regions import COUNTRIES_IN

    if segment.scope == COUNTRY:
        return {"country": segment.place}
    if segment.scope == REGION:
        return {"country__in": sorted(COUNTRIES_IN.get(segment.place, ()))}
    return {}
