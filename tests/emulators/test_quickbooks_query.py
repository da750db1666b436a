"""The query language: tokenizer, grammar, comparisons, paging and 4000 errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from emulators.quickbooks import query
from emulators.quickbooks.errors import QboError


def names(rows):
    return [row.get("DisplayName") or row.get("Name") for row in rows]


def test_parse_full_grammar():
    parsed = query.parse("select * from Customer where DisplayName = 'A' and Balance >= 10.5 "
                         "orderby DisplayName desc startposition 2 maxresults 5")
    assert parsed.entity == "Customer"
    assert [(c.prop, c.op, c.value) for c in parsed.conditions] == [
        ("DisplayName", "=", "A"), ("Balance", ">=", Decimal("10.5"))]
    assert parsed.order == [("DisplayName", True)]
    assert (parsed.start, parsed.max_results) == (2, 5)


def test_string_escapes_are_decoded():
    parsed = query.parse(r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien \\ Sons'")
    assert parsed.conditions[0].value == "O'Brien \\ Sons"


@pytest.mark.parametrize("text", [
    "SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'",
    "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
    "SELECT * FROM Customer WHERE DisplayName = 'O'Brien'",
    "SELECT * FROM Customer WHERE DisplayName != 'a'",
    "SELECT DisplayName FROM Customer",
    "SELECT * Customer",
    "SELECT * FROM Customer MAXRESULTS 1001",
    "SELECT * FROM Customer WHERE DisplayName = ’x’",
    "SELECT * FROM Customer ORDER BY DisplayName",
    "SELECT * FROM Customer MAXRESULTS 10 MAXRESULTS 20",
    "SELECT * FROM Customer WHERE DisplayName LIKE 5",
])
def test_unsupported_syntax_is_error_4000(text):
    with pytest.raises(QboError) as raised:
        query.parse(text)
    assert raised.value.code == "4000"
    assert raised.value.message == "Error parsing query"
    assert raised.value.detail.startswith(("QueryParserError:", "QueryValidationError:"))


def test_response_shape_and_default_page(qbo_us):
    result = qbo_us.query("SELECT * FROM Customer")
    assert result.status == 200
    response = result.json["QueryResponse"]
    assert response["startPosition"] == 1
    assert response["maxResults"] == len(response["Customer"]) == 3
    assert "time" in result.json


def test_query_by_post_with_application_text(qbo_us):
    result = qbo_us.call("POST", "query", data="SELECT * FROM Item WHERE Sku = 'CONS-H'",
                         content_type="application/text")
    assert names(result.json["QueryResponse"]["Item"]) == ["Consulting"]


def test_apostrophe_escaped_with_backslash(qbo_us):
    rows = qbo_us.rows(r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien Plumbing'")
    assert names(rows) == ["O'Brien Plumbing"]


def test_name_equality_is_case_insensitive(qbo_us):
    assert names(qbo_us.rows("SELECT * FROM Customer WHERE DisplayName = 'globex corporation'")) \
        == ["Globex Corporation"]
    assert names(qbo_us.rows("SELECT * FROM Item WHERE Name = 'CONSULTING'")) == ["Consulting"]
    assert names(qbo_us.rows("SELECT * FROM Item WHERE Sku = 'cons-h'")) == ["Consulting"]


def test_unicode_values(qbo_us):
    assert names(qbo_us.rows("SELECT * FROM Customer WHERE DisplayName = 'Café Zoë'")) \
        == ["Café Zoë"]
    qbo_us.create("customer", {"DisplayName": "Müller & Söhne – Δ 東京"})
    assert names(qbo_us.rows("SELECT * FROM Customer WHERE DisplayName LIKE '%東京'")) \
        == ["Müller & Söhne – Δ 東京"]


def test_backslash_in_a_value(qbo_us):
    qbo_us.create("customer", {"DisplayName": "Back\\Slash Ltd"})
    rows = qbo_us.rows(r"SELECT * FROM Customer WHERE DisplayName = 'Back\\Slash Ltd'")
    assert names(rows) == ["Back\\Slash Ltd"]


def test_email_compares_on_the_address(qbo_us):
    rows = qbo_us.rows("SELECT * FROM Customer WHERE PrimaryEmailAddr = 'pat.obrien@example.com'")
    assert names(rows) == ["O'Brien Plumbing"]


def test_in_and_like_and_and(qbo_us):
    rows = qbo_us.rows("SELECT * FROM Item WHERE Sku IN ('CONS-H', 'SUP-12', 'NOPE')")
    assert names(rows) == ["Consulting", "Support plan"]
    rows = qbo_us.rows("SELECT * FROM Item WHERE Name LIKE 'S%' AND Type = 'Service'")
    assert names(rows) == ["Services", "Support plan"]
    rows = qbo_us.rows("SELECT * FROM Item WHERE Name LIKE '%ment%'")
    assert names(rows) == ["Implementation"]


def test_numeric_comparison_and_ordering(qbo_us):
    rows = qbo_us.rows("SELECT * FROM Item WHERE UnitPrice > 200 ORDERBY UnitPrice DESC")
    assert names(rows) == ["Implementation", "Support plan", "Hardware kit"]


def test_inactive_excluded_unless_filtered_on_active(qbo_us):
    assert "Legacy Widget" not in names(qbo_us.rows("SELECT * FROM Item"))
    assert names(qbo_us.rows("SELECT * FROM Item WHERE Active = false")) == ["Legacy Widget"]
    everything = qbo_us.rows("SELECT * FROM Item WHERE Active IN (true, false)")
    assert "Legacy Widget" in names(everything) and len(everything) == 6


def test_paging_and_count(qbo_us):
    first = qbo_us.query("SELECT * FROM Item ORDERBY Name STARTPOSITION 1 MAXRESULTS 2")
    second = qbo_us.query("SELECT * FROM Item ORDERBY Name STARTPOSITION 3 MAXRESULTS 2")
    assert names(first.json["QueryResponse"]["Item"]) == ["Consulting", "Hardware kit"]
    assert second.json["QueryResponse"]["startPosition"] == 3
    assert names(second.json["QueryResponse"]["Item"]) == ["Implementation", "Services"]
    beyond = qbo_us.query("SELECT * FROM Item STARTPOSITION 50")
    assert beyond.json["QueryResponse"] == {}
    count = qbo_us.query("SELECT COUNT(*) FROM Item")
    assert count.json["QueryResponse"] == {"totalCount": 5}


def test_no_match_is_an_empty_query_response(qbo_us):
    result = qbo_us.query("SELECT * FROM Customer WHERE DisplayName = 'Nobody'")
    assert result.json["QueryResponse"] == {}


def test_entity_names_are_case_sensitive(qbo_us):
    assert qbo_us.query("SELECT * FROM customer").fault_code == "4000"
    assert qbo_us.query("SELECT * FROM Bill").json["QueryResponse"] == {}


def test_unknown_property_is_4000(qbo_us):
    result = qbo_us.query("SELECT * FROM Customer WHERE Nickname = 'x'")
    assert result.status == 400
    assert result.fault_code == "4000"
    assert result.json["Fault"]["type"] == "ValidationFault"


def test_maxresults_over_1000_is_rejected_over_http(qbo_us):
    result = qbo_us.query("SELECT * FROM Customer MAXRESULTS 1500")
    assert result.fault_code == "4000"
    assert "1500 is too large" in result.error["Detail"]


def test_refs_and_metadata_are_queryable(qbo_us, invoice_body):
    customer = qbo_us.find("Customer", DisplayName="Globex Corporation")
    item = qbo_us.find("Item", Name="Consulting")
    created = qbo_us.create("invoice", invoice_body(customer["Id"], item["Id"]))
    rows = qbo_us.rows(f"SELECT * FROM Invoice WHERE CustomerRef = '{customer['Id']}'")
    assert [row["Id"] for row in rows] == [created["Id"]]
    stamp = created["MetaData"]["CreateTime"]
    assert qbo_us.rows(f"SELECT * FROM Invoice WHERE MetaData.CreateTime >= '{stamp}'")
    assert not qbo_us.rows(f"SELECT * FROM Invoice WHERE MetaData.CreateTime > '{stamp}'")
    assert qbo_us.rows(f"SELECT * FROM Invoice WHERE DocNumber = '{created['DocNumber']}'")


def test_company_info_and_preferences_are_queryable(qbo_us):
    (info,) = qbo_us.rows("SELECT * FROM CompanyInfo")
    assert info["Country"] == "US"
    (prefs,) = qbo_us.rows("SELECT * FROM Preferences")
    assert prefs["CurrencyPrefs"]["HomeCurrency"] == {"value": "USD"}


def test_typographic_quotes_are_a_lexical_error_even_inside_a_literal(qbo_us):
    answer = qbo_us.query("SELECT * FROM Item WHERE Name = 'Men’s Kit'")
    assert answer.status == 400
    assert answer.json["Fault"]["Error"][0]["code"] == "4000"
    assert qbo_us.query("SELECT * FROM Item WHERE Name = 'Men\\'s Kit'").status == 200
