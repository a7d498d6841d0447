"""Market segments: which slices of the market a posting belongs to, and their keys.

A segment is role family × level × place. Each posting belongs to exactly two segments:
its country and worldwide. So a publish, edit, close or expiry touches at most four keys
(two before an edit and two after).
"""

from dataclasses import dataclass

WORLDWIDE = "world"


@dataclass(frozen=True, order=True)
class Segment:
    role_family: str
    level: str
    country: str = ""  # ISO 3166-1 alpha-2; empty for worldwide

    @property
    def key(self) -> str:
        return f"{self.role_family}:{self.level}:{self.country or WORLDWIDE}"

    @property
    def scope(self) -> str:
        return "country" if self.country else "worldwide"

    @classmethod
    def from_key(cls, key: str) -> "Segment":
        role_family, level, place = key.split(":")
        return cls(role_family=role_family, level=level, country="" if place == WORLDWIDE else place)

    def wider(self) -> "Segment | None":
        return Segment(self.role_family, self.level) if self.country else None


def segments_for(*, role_family: str, level: str, country: str) -> list[Segment]:
    return [Segment(role_family, level, country), Segment(role_family, level)]


def segments_for_posting(posting) -> list[Segment]:
    return segments_for(role_family=posting.role_family, level=posting.level, country=posting.country)
