"""HubSpot's free-text addresses as QuickBooks PhysicalAddress blocks (SPEC §7 "Addresses")."""

from __future__ import annotations

from dataclasses import dataclass

from actions import names

ADDRESS_PROPERTIES = ("address", "city", "state", "zip", "country", "phone")
LINE_MAX, CITY_MAX, REGION_MAX, POSTAL_MAX, COUNTRY_MAX = 500, 255, 255, 30, 255

US_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
    "puerto rico": "PR", "guam": "GU", "washington dc": "DC", "washington d.c.": "DC",
}  # fmt: skip
CA_PROVINCES = {
    "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
    "newfoundland and labrador": "NL", "newfoundland": "NL", "nova scotia": "NS",
    "ontario": "ON", "prince edward island": "PE", "quebec": "QC", "québec": "QC",
    "saskatchewan": "SK", "northwest territories": "NT", "nunavut": "NU", "yukon": "YT",
}  # fmt: skip
# Countries as QuickBooks shows them: ISO alpha-3 (reference §9 accepts alpha-3 or full names).
COUNTRIES = {
    "us": "USA", "usa": "USA", "u.s.": "USA", "u.s.a.": "USA", "united states": "USA",
    "united states of america": "USA", "america": "USA",
    "ca": "CAN", "can": "CAN", "canada": "CAN",
    "gb": "GBR", "gbr": "GBR", "uk": "GBR", "u.k.": "GBR", "united kingdom": "GBR",
    "great britain": "GBR", "england": "GBR", "scotland": "GBR", "wales": "GBR",
    "au": "AUS", "aus": "AUS", "australia": "AUS", "ie": "IRL", "ireland": "IRL",
    "de": "DEU", "germany": "DEU", "fr": "FRA", "france": "FRA", "in": "IND", "india": "IND",
    "nz": "NZL", "new zealand": "NZL", "mx": "MEX", "mexico": "MEX",
}  # fmt: skip


@dataclass(frozen=True)
class Address:
    """A street address as HubSpot holds it (contact or company properties)."""

    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""

    @classmethod
    def from_properties(cls, props: dict) -> Address | None:
        """The address in a contact's or company's properties; None when every part is blank."""
        parts = [str(props.get(k) or "").strip() for k in ADDRESS_PROPERTIES[:5]]
        return cls(*parts) if any(parts) else None

    def as_qbo(self) -> dict:
        """A QuickBooks PhysicalAddress: states and provinces as two-letter codes."""
        country = country_name(self.country)
        body = {
            "Line1": names.cut(self.street, LINE_MAX),
            "City": names.cut(self.city, CITY_MAX),
            "CountrySubDivisionCode": names.cut(region_code(self.state, country), REGION_MAX),
            "PostalCode": names.cut(self.postal_code, POSTAL_MAX),
            "Country": names.cut(country, COUNTRY_MAX),
        }
        return {k: v for k, v in body.items() if v}


def region_code(state: str, country: str = "") -> str:
    """`New York` → `NY`, `Ontario` → `ON`; codes and other regions unchanged."""
    key = " ".join(state.split()).casefold()
    if country in ("", "USA") and key in US_STATES:
        return US_STATES[key]
    if country in ("", "CAN") and key in CA_PROVINCES:
        return CA_PROVINCES[key]
    if len(state.strip()) == 2:
        return state.strip().upper()
    return state.strip()


def country_name(country: str) -> str:
    """A country as QuickBooks shows it (ISO alpha-3 for the ones we know)."""
    return COUNTRIES.get(" ".join(country.split()).casefold(), country.strip())


def phone(props: dict) -> str:
    """The record's phone number ("" when none)."""
    return str(props.get("phone") or "").strip()
