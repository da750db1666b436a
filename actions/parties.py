"""The people and companies a sale is billed to, as HubSpot holds them (SPEC §1.1, §7)."""

from __future__ import annotations

from dataclasses import dataclass

from actions.addresses import ADDRESS_PROPERTIES, Address, phone

CONTACT_PROPERTIES = ("email", "firstname", "lastname", *ADDRESS_PROPERTIES)
COMPANY_PROPERTIES = ("name", *ADDRESS_PROPERTIES)


@dataclass(frozen=True)
class Contact:
    """The HubSpot contact billed (or any person to bill, e.g. a payment's customer email)."""

    id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    address: Address | None = None
    phone: str = ""

    @property
    def person_name(self) -> str:
        """ "First Last", or "" when the contact has no name."""
        return " ".join(p for p in (self.first_name.strip(), self.last_name.strip()) if p)


@dataclass(frozen=True)
class Company:
    """The associated HubSpot company: name, address and phone."""

    name: str = ""
    address: Address | None = None
    phone: str = ""


def read_contact(hubspot, ids: list[str]) -> Contact | None:
    """The first contact with an email (signer first); one without email when none has one."""
    if not ids:
        return None
    records = hubspot.batch_read("contacts", ids[:100], CONTACT_PROPERTIES)
    contacts = [_contact(str(r["id"]), r.get("properties") or {}) for r in records]
    if not contacts:
        return None
    return next((c for c in contacts if c.email), contacts[0])


def _contact(contact_id: str, props: dict) -> Contact:
    return Contact(
        id=contact_id,
        email=str(props.get("email") or "").strip(),
        first_name=str(props.get("firstname") or ""),
        last_name=str(props.get("lastname") or ""),
        address=Address.from_properties(props),
        phone=phone(props),
    )
