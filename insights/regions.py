"""World regions for market segments, by ISO 3166-1 alpha-2 code (UN M49 geography, grouped as the
pay-survey industry usually reports it: North America, Latin America, Europe, Middle East & Africa,
Asia-Pacific)."""

NORTH_AMERICA = "north_america"
LATIN_AMERICA = "latin_america"
EUROPE = "europe"
MIDDLE_EAST_AFRICA = "middle_east_africa"
ASIA_PACIFIC = "asia_pacific"

REGION_NAMES = {
    NORTH_AMERICA: "North America",
    LATIN_AMERICA: "Latin America & Caribbean",
    EUROPE: "Europe",
    MIDDLE_EAST_AFRICA: "Middle East & Africa",
    ASIA_PACIFIC: "Asia-Pacific",
}

_MEMBERS = {
    NORTH_AMERICA: "US CA BM GL PM UM",
    LATIN_AMERICA: (
        "MX GT BZ SV HN NI CR PA CU JM HT DO PR BS BB TT AG DM GD KN LC VC AW CW SX BQ KY TC VG VI AI MS GP MQ "
        "BL MF CO VE GY SR GF EC PE BO BR PY UY AR CL FK GS BV"
    ),
    EUROPE: (
        "GB IE FR DE NL BE LU AT CH LI MC AD SM VA IT MT ES PT GI PL CZ SK HU SI HR BA RS ME MK AL XK GR BG RO MD "
        "UA BY RU LT LV EE FI SE NO DK IS FO AX SJ GG JE IM CY"
    ),
    MIDDLE_EAST_AFRICA: (
        "TR IL PS JO LB SY IQ IR SA AE QA BH KW OM YE GE AM AZ EG LY TN DZ MA EH SD SS ET ER DJ SO KE UG TZ RW BI "
        "CD CG GA GQ CM CF TD NE NG BJ TG GH CI LR SL GN GW SN GM ML BF MR CV ST AO ZM ZW MW MZ MG MU SC KM YT RE "
        "ZA NA BW LS SZ SH IO TF"
    ),
    ASIA_PACIFIC: (
        "CN HK MO TW JP KR KP MN IN PK BD LK NP BT MV AF KZ UZ TM KG TJ SG MY ID TH VN LA KH MM PH BN TL AU NZ PG "
        "FJ SB VU NC PF WS TO TV KI NR MH FM PW GU MP AS CK NU TK WF PN NF CX CC HM"
    ),
}

REGION_OF: dict[str, str] = {code: region for region, codes in _MEMBERS.items() for code in codes.split()}
COUNTRIES_IN: dict[str, frozenset[str]] = {region: frozenset(codes.split()) for region, codes in _MEMBERS.items()}


def region_of(country: str) -> str | None:
    return REGION_OF.get((country or "").upper())
