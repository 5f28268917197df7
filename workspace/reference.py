"""Fixed lists the workspace offers in forms: Scotland's councils, school sectors and member roles."""

from enum import StrEnum

LOCAL_AUTHORITIES: tuple[str, ...] = (
    "Aberdeen City",
    "Aberdeenshire",
    "Angus",
    "Argyll and Bute",
    "City of Edinburgh",
    "Clackmannanshire",
    "Comhairle nan Eilean Siar",
    "Dumfries and Galloway",
    "Dundee City",
    "East Ayrshire",
    "East Dunbartonshire",
    "East Lothian",
    "East Renfrewshire",
    "Falkirk",
    "Fife",
    "Glasgow City",
    "Highland",
    "Inverclyde",
    "Midlothian",
    "Moray",
    "North Ayrshire",
    "North Lanarkshire",
    "Orkney Islands",
    "Perth and Kinross",
    "Renfrewshire",
    "Scottish Borders",
    "Shetland Islands",
    "South Ayrshire",
    "South Lanarkshire",
    "Stirling",
    "West Dunbartonshire",
    "West Lothian",
)
assert len(LOCAL_AUTHORITIES) == 32


class Sector(StrEnum):
    ELC = "elc"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    ASN = "asn"
    CLD = "cld"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self]


SECTOR_LABELS = {
    Sector.ELC: "Early learning and childcare (ELC)",
    Sector.PRIMARY: "Primary",
    Sector.SECONDARY: "Secondary",
    Sector.ASN: "Additional support needs (ASN)",
    Sector.CLD: "Community learning and development (CLD)",
}


class Role(StrEnum):
    LEAD = "lead"
    TEACHER = "teacher"
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def short_label(self) -> str:
        return self.value.capitalize()


ROLE_LABELS = {
    Role.LEAD: "Partnership lead",
    Role.TEACHER: "Teacher",
    Role.REVIEWER: "Reviewer (local authority officer)",
}
