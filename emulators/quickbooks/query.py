"""QBO's query language: a tokenizer, a recursive-descent parser and an evaluator (reference §4).

Grammar::

    query     := SELECT ( "*" ("," word)* | COUNT "(" "*" ")" ) FROM word
                 [WHERE condition (AND condition)*]
                 [ORDERBY word [ASC|DESC] ("," word [ASC|DESC])*]
                 [STARTPOSITION int] [MAXRESULTS int]          (the last two in either order)
    condition := word ("=" | "<" | ">" | "<=" | ">=") value
               | word IN "(" value ("," value)* ")"
               | word LIKE string
    value     := string | number | TRUE | FALSE

Keywords are case-insensitive; entity names are case-sensitive. Strings are single-quoted with
backslash escapes (``\\'`` and ``\\\\``). There is no OR, no projection beyond ``*`` and no
joins; anything else is a 4000 "Error parsing query".
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal

from . import errors, schema
from .company import NAME_LISTS, Company
from .comparison import field_value, matches, sort_key

DEFAULT_PAGE = 100
MAX_PAGE = 1000
KEYWORDS = frozenset({"SELECT", "FROM", "WHERE", "AND", "OR", "ORDERBY", "ASC", "DESC",
                      "STARTPOSITION", "MAXRESULTS", "IN", "LIKE", "COUNT", "TRUE", "FALSE"})
COMPARISONS = frozenset({"=", "<", ">", "<=", ">="})
# Global elements of the schema that are envelopes, not queryable entities.
NOT_ENTITIES = frozenset({"IntuitResponse", "IntuitBatchRequest", "IntuitObject", "Report",
                          "Fault", "SyncErrorResponse", "Status", "QbdtEntityIdMapping"})
TYPOGRAPHIC_QUOTES = frozenset("\u2018\u2019\u201c\u201d")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class Token:
    """One lexeme with its 1-based column, for error messages."""

    kind: str  # word | keyword | string | number | op | punct | end
    text: str
    value: object
    column: int


@dataclass
class Condition:
    """``prop op value`` (for IN, ``value`` is a list)."""

    prop: str
    op: str
    value: object


@dataclass
class Query:
    """A parsed SELECT."""

    entity: str
    count: bool = False
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (prop, descending)
    start: int = 1
    max_results: int = DEFAULT_PAGE


def tokenize(text: str) -> list[Token]:
    """Split a statement into tokens; 4000 on a character QBO's lexer would reject."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        column = i + 1
        if ch.isspace():
            i += 1
        elif ch == "'":
            i = _string(text, i, tokens)
        elif ch.isdigit() or (ch == "-" and i + 1 < n and text[i + 1].isdigit()):
            match = _NUMBER.match(text, i)
            tokens.append(Token("number", match.group(), Decimal(match.group()), column))
            i = match.end()
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            match = _WORD.match(text, i)
            word = match.group()
            kind = "keyword" if word.upper() in KEYWORDS else "word"
            tokens.append(Token(kind, word, word.upper() if kind == "keyword" else word, column))
            i = match.end()
        elif text.startswith(("<=", ">=", "!=", "<>"), i):
            tokens.append(Token("op", text[i:i + 2], text[i:i + 2], column))
            i += 2
        elif ch in "=<>":
            tokens.append(Token("op", ch, ch, column))
            i += 1
        elif ch in "(),*":
            tokens.append(Token("punct", ch, ch, column))
            i += 1
        else:
            raise errors.query_parse(
                f'QueryParserError: Lexical error at line 1, column {column}.  '
                f'Encountered: "{ch}" after : ""')
    tokens.append(Token("end", "<EOF>", None, n + 1))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    chars = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch in TYPOGRAPHIC_QUOTES:
            # QBO's lexer rejects typographic quotes even inside a literal (reference §4).
            raise errors.query_parse(
                f"QueryParserError: Lexical error at line 1, column {i + 1}.  "
                f'Encountered: "{ch}" after : ""')
        if ch == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])  # \' and \\ (and any other escaped character) are literal
            i += 2
        elif ch == "'":
            tokens.append(Token("string", text[start:i + 1], "".join(chars), start + 1))
            return i + 1
        else:
            chars.append(ch)
            i += 1
    raise errors.query_parse(
        f"QueryParserError: Lexical error at line 1, column {len(text) + 1}.  "
        "Encountered: <EOF> inside a string literal")


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, *expected: str):
        token = self.token
        raise errors.query_parse(
            f'QueryParserError: Encountered " <{token.kind.upper()}> "{token.text} "" at line 1, '
            f"column {token.column}. Was expecting one of: {', '.join(expected)}")

    def at_keyword(self, *words: str) -> bool:
        return self.token.kind == "keyword" and self.token.value in words

    def at_punct(self, char: str) -> bool:
        return self.token.kind == "punct" and self.token.value == char

    def keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            self.fail(f'"{word}"')
        self.advance()

    def punct(self, char: str) -> None:
        if not self.at_punct(char):
            self.fail(f'"{char}"')
        self.advance()

    def word(self) -> str:
        if self.token.kind != "word":
            self.fail("<IDENTIFIER>")
        return self.advance().text

    def integer(self) -> int:
        token = self.token
        if token.kind != "number" or "." in token.text or token.text.startswith("-"):
            self.fail("<INTEGER>")
        self.advance()
        return int(token.text)

    def value(self):
        token = self.token
        if token.kind in ("string", "number"):
            return self.advance().value
        if self.at_keyword("TRUE", "FALSE"):
            return self.advance().value == "TRUE"
        self.fail("<STRING>", "<NUMBER>", '"true"', '"false"')

    def condition(self) -> Condition:
        prop = self.word()
        token = self.token
        if token.kind == "op" and token.value in COMPARISONS:
            self.advance()
            return Condition(prop, token.value, self.value())
        if self.at_keyword("IN"):
            self.advance()
            self.punct("(")
            values = [self.value()]
            while self.at_punct(","):
                self.advance()
                values.append(self.value())
            self.punct(")")
            return Condition(prop, "IN", values)
        if self.at_keyword("LIKE"):
            self.advance()
            if self.token.kind != "string":
                self.fail("<STRING>")
            return Condition(prop, "LIKE", self.advance().value)
        self.fail('"="', '"<"', '">"', '"<="', '">="', '"IN"', '"LIKE"')

    def query(self) -> Query:
        self.keyword("SELECT")
        count = False
        if self.at_keyword("COUNT"):
            self.advance()
            self.punct("(")
            self.punct("*")
            self.punct(")")
            count = True
        else:
            self.punct("*")
            while self.at_punct(","):
                self.advance()
                self.word()  # "SELECT *, Sku": extra fields are already in "*"
        self.keyword("FROM")
        query = Query(entity=self.word(), count=count)
        if self.at_keyword("WHERE"):
            self.advance()
            query.conditions.append(self.condition())
            while self.at_keyword("AND"):
                self.advance()
                query.conditions.append(self.condition())
        if self.at_keyword("ORDERBY"):
            self.advance()
            query.order.append(self.order_item())
            while self.at_punct(","):
                self.advance()
                query.order.append(self.order_item())
        seen = set()
        while self.at_keyword("STARTPOSITION", "MAXRESULTS") and self.token.value not in seen:
            word = self.advance().value
            seen.add(word)
            if word == "STARTPOSITION":
                query.start = self.integer()
            else:
                query.max_results = self.integer()
        if self.token.kind != "end":
            expected = ['"AND"', '"ORDERBY"', '"STARTPOSITION"', '"MAXRESULTS"', "<EOF>"]
            self.fail(*expected)
        return query

    def order_item(self) -> tuple[str, bool]:
        prop = self.word()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().value == "DESC"
        return prop, descending


def parse(text: str) -> Query:
    """Parse a statement, raising 4000 on any syntax QBO does not accept."""
    query = _Parser(tokenize(text)).query()
    if query.max_results > MAX_PAGE:
        raise errors.query_parse(
            f"QueryValidationError: value {query.max_results} is too large. "
            f"Max allowed value is {MAX_PAGE}")
    if query.start < 1:
        raise errors.query_parse("QueryValidationError: STARTPOSITION must be 1 or more")
    return query


def run(company: Company, text: str) -> dict:
    """Execute a statement against a company; returns the ``QueryResponse`` object."""
    query = parse(text)
    if query.entity in NOT_ENTITIES or query.entity not in schema.entity_names():
        raise errors.query_parse(
            f"QueryValidationError: Invalid context declaration : {query.entity}")
    known = {name.casefold(): name for name in schema.fields(query.entity)}
    for condition in query.conditions:
        condition.prop = _canonical(condition.prop, known, query.entity)
    query.order = [(_canonical(prop, known, query.entity), desc) for prop, desc in query.order]
    rows = _rows(company, query.entity)
    filters_active = any(c.prop.split(".")[0] == "Active" for c in query.conditions)
    if query.entity in NAME_LISTS and not filters_active:
        rows = [row for row in rows if row.get("Active", True) is not False]
    rows = [row for row in rows if all(matches(row, c) for c in query.conditions)]
    if query.count:
        return {"totalCount": len(rows)}
    for prop, descending in reversed(query.order):
        present = [row for row in rows if field_value(row, prop) is not None]
        missing = [row for row in rows if field_value(row, prop) is None]
        present.sort(key=lambda row, p=prop: sort_key(field_value(row, p)), reverse=descending)
        rows = present + missing
    page = rows[query.start - 1:query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: copy.deepcopy(page), "startPosition": query.start,
            "maxResults": len(page)}


def _canonical(prop: str, known: dict[str, str], entity: str) -> str:
    head, _, rest = prop.partition(".")
    name = known.get(head.casefold())
    if name is None:
        raise errors.query_parse(
            f"QueryValidationError: property '{head}' is not queryable for entity {entity}")
    return f"{name}.{rest}" if rest else name


def _rows(company: Company, entity: str) -> list[dict]:
    if entity == "CompanyInfo":
        return [company.company_info()]
    if entity == "Preferences":
        return [company.preferences()]
    return company.all(entity)
