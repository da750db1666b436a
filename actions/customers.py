"""Find or create the QuickBooks customer billed for a sale (SPEC §1.1 "Customer")."""

from __future__ import annotations

from dataclasses import dataclass

from actions import lookups, names, rejections
from actions.lookups import Found
from actions.resolve import Contact, Sale
from clients.quickbooks import QuickBooksError, escape
from failures import ActionFailed

STEP = "customer"
PHONE_MAX = 30  # PrimaryPhone.FreeFormNumber (XSD TelephoneNumber)
NUMBERED_ATTEMPTS = 5  # "Name 2" … "Name 6" after "Name" and "First Last (email)"


@dataclass(frozen=True)
class Customer:
    """The QuickBooks customer a transaction is billed to, and how it was found."""

    id: str
    name: str
    email: str
    matched_by: str  # email | name | created | cache | earlier attempt


def resolve_customer(ctx, sale: Sale, contact: Contact | None = None) -> Customer:
    """The sale's customer in its currency: by email, then display name, else created.

    ``contact`` overrides ``sale.contact`` (e.g. a payment's ``hs_customer_email``). Failures:
    NO_CONTACT, NO_EMAIL, CUSTOMER_NOT_FOUND (creating is off), DUPLICATE_NAME (every fallback
    name taken). Creating is one exactly-once step ("customer").
    """
    contact = contact or sale.contact
    done = ctx.step_done(STEP)
    if done:
        return _noted(
            ctx, Customer(done["id"], done["name"], done.get("email", ""), "earlier attempt")
        )
    if contact is None:
        raise ActionFailed(
            "NO_CONTACT",
            f"The {sale.record_type.name.lower()} {sale.record_id} has no associated contact "
            "to bill: associate one and run again.",
        )
    if not contact.email:
        raise ActionFailed(
            "NO_EMAIL",
            f"The billing contact {contact.person_name or contact.id} has no email address: "
            "customers are matched and created by email.",
        )
    cache = lookups.for_company(ctx.settings.quickbooks_api_base, ctx.connection.realm_id)
    key = (lookups.fold(contact.email), sale.currency)
    if key in cache.customers:
        found = cache.customers[key]
        return _noted(ctx, Customer(found.id, found.name, contact.email, "cache"))

    home = ctx.connection.home_currency or sale.currency
    customer = _by_email(ctx, contact.email, sale.currency, home)
    # The company name costs a HubSpot read: only ask once the email found no one.
    base = _base_name(contact, sale) if customer is None else ""
    if customer is None and not ctx.inputs.get("create_customer", True):
        customer, _ = _by_name(ctx, base, contact.email, sale.currency, home)
        if customer is None:
            raise ActionFailed(
                "CUSTOMER_NOT_FOUND",
                f"No QuickBooks customer has the email {contact.email} or the name {base!r} "
                f"in {sale.currency}, and 'Create customer' is off.",
            )
    if customer is None:
        # Creating first saves the name lookup in the common case: a 6240 answer is when we
        # look for a customer of that name (SPEC §1.1's "then by display name").
        customer = _create(ctx, contact, sale, base, home)
    cache.customers[key] = Found(customer.id, customer.name)
    return _noted(ctx, customer)


def display_names(
    contact: Contact, base: str, currency: str, home: str, occupied: bool
) -> list[str]:
    """The DisplayNames to try, in order (SPEC §1.1: name, "First Last (email)", then " 2"…).

    ``occupied``: a customer of another currency already holds ``base``, so the first choice
    carries the currency, "Name (EUR)".
    """
    tag = f" ({currency})" if currency != home else ""
    first = f"{_fit(base, tag)}{tag}" if occupied else _fit(base, "")
    who = names.clean(contact.person_name, names.DISPLAY_NAME_MAX) or base
    email = names.clean(contact.email, names.EMAIL_MAX)
    alternate = first if who == email else f"{_fit(who, f' ({email}){tag}')} ({email}){tag}"
    tried = [first] if alternate == first else [first, alternate]
    for n in range(2, 2 + NUMBERED_ATTEMPTS):
        tried.append(f"{_fit(alternate, f' {n}')} {n}")
    return list(dict.fromkeys(tried))


def _fit(name: str, suffix: str) -> str:
    """Cut a name so it and its suffix fit QuickBooks' DisplayName length."""
    return name[: names.DISPLAY_NAME_MAX - len(suffix)].strip()


def _base_name(contact: Contact, sale: Sale) -> str:
    """Company name, else "First Last", else the email (cleaned for QuickBooks)."""
    for candidate in (sale.company_name(), contact.person_name, contact.email):
        name = names.clean(candidate, names.DISPLAY_NAME_MAX)
        if name:
            return name
    return names.clean(contact.id, names.DISPLAY_NAME_MAX)


def _currency_of(customer: dict, home: str) -> str:
    ref = customer.get("CurrencyRef")
    return str(ref.get("value") or home).upper() if isinstance(ref, dict) else home


def _by_email(ctx, email: str, currency: str, home: str) -> Customer | None:
    """The first active customer with this email in the sale's currency."""
    rows = ctx.quickbooks.select("Customer", f"PrimaryEmailAddr = '{escape(email)}'")
    wanted = lookups.fold(email)
    for row in sorted(rows, key=_id_order):
        address = str((row.get("PrimaryEmailAddr") or {}).get("Address") or "")
        if lookups.fold(address) == wanted and _currency_of(row, home) == currency:
            return Customer(str(row["Id"]), str(row.get("DisplayName", "")), email, "email")
    return None


def _by_name(ctx, base: str, email: str, currency: str, home: str):
    """A customer named ``base`` (or "base (EUR)") in the sale's currency; also whether
    ``base`` is held by a customer of another currency."""
    tagged = f"{_fit(base, f' ({currency})')} ({currency})"
    wanted = [base] if currency == home else [base, tagged]
    rows = lookups.select_values(ctx.quickbooks, "Customer", "DisplayName", wanted)
    by_name: dict[str, dict] = {}
    for row in sorted(rows, key=_id_order):
        by_name.setdefault(lookups.fold(str(row.get("DisplayName", ""))), row)
    occupied = False
    for name in wanted:
        row = by_name.get(lookups.fold(name))
        if row is None:
            continue
        if _currency_of(row, home) == currency and _same_person(row, email):
            return Customer(str(row["Id"]), str(row["DisplayName"]), email, "name"), False
        # Another currency, or someone else's name (another email): never merge (SPEC §7).
        occupied = occupied or name == base
    return None, occupied


def _same_person(row: dict, email: str) -> bool:
    """A name match counts only when the customer's email is empty or the contact's."""
    address = str((row.get("PrimaryEmailAddr") or {}).get("Address") or "").strip()
    return not address or lookups.fold(address) == lookups.fold(email)


def _create(ctx, contact: Contact, sale: Sale, base: str, home: str) -> Customer:
    """Create the customer; on a 6240 clash use the same-currency customer of that name, or
    move on to the next DisplayName ("Name (EUR)", "First Last (email)", then numbered)."""
    body: dict = {"PrimaryEmailAddr": {"Address": names.cut(contact.email, names.EMAIL_MAX)}}
    given = names.clean(contact.first_name, names.PERSON_PART_MAX)
    family = names.clean(contact.last_name, names.PERSON_PART_MAX)
    company = names.clean(sale.company_name(), names.COMPANY_NAME_MAX)
    if given:
        body["GivenName"] = given
    if family:
        body["FamilyName"] = family
    if company:
        body["CompanyName"] = company
    phone = contact.phone or sale.company().phone
    if phone:
        body["PrimaryPhone"] = {"FreeFormNumber": names.cut(phone, PHONE_MAX)}
    bill, ship = sale.bill_address(), sale.ship_address()
    if bill:
        body["BillAddr"] = bill.as_qbo()
    if ship:
        body["ShipAddr"] = ship.as_qbo()
    if sale.currency != home:
        body["CurrencyRef"] = {"value": sale.currency}
    queue = display_names(contact, base, sale.currency, home, occupied=False)
    looked_up = False
    last: QuickBooksError | None = None
    attempt = 0
    while queue:
        name = queue.pop(0)
        try:
            created = ctx.quickbooks.create(
                "Customer", {**body, "DisplayName": name}, ctx.request_id(f"{STEP}:{attempt}")
            )
        except QuickBooksError as exc:
            if not rejections.is_business_fault(exc):
                raise
            if exc.code != "6240":
                raise rejections.failure(exc, entity="customer") from exc
            last = exc
            attempt += 1
            if not looked_up:
                looked_up = True
                match, occupied = _by_name(ctx, base, contact.email, sale.currency, home)
                if match is not None:
                    return match
                if occupied:
                    tagged = display_names(contact, base, sale.currency, home, occupied=True)
                    queue = [n for n in tagged if n != name]
            continue
        customer = Customer(
            str(created["Id"]), str(created.get("DisplayName", name)), contact.email, "created"
        )
        ctx.record_step(STEP, {"id": customer.id, "name": customer.name, "email": contact.email})
        return customer
    raise ActionFailed(
        "DUPLICATE_NAME",
        f"Every display name tried for {contact.email} ({base!r}, then with the email and "
        "numbers) is taken by another QuickBooks customer, vendor or employee. Rename one of "
        f"them in QuickBooks. {rejections.describe(last) if last else ''}".strip(),
    )


def _id_order(row: dict):
    value = str(row.get("Id", ""))
    return (0, int(value)) if value.isdigit() else (1, 0)


def _noted(ctx, customer: Customer) -> Customer:
    ctx.note(
        "customer",
        {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "matched_by": customer.matched_by,
        },
    )
    return customer
