"""Persistence: the tables (store.tables), the database (store.database) and the few queries
the app needs, one module per subject (portals, companies, links, definitions, reports,
rotation). The execution ledger's rows are read and written by executions/ledger.py."""

from store.database import Database, normalize_url, save
from store.tables import (
    ActionDefinition,
    ApiCall,
    Execution,
    ExecutionStatus,
    Portal,
    QuickBooksConnection,
    TransactionLink,
    metadata,
    utcnow,
)

__all__ = [
    "ActionDefinition", "ApiCall", "Database", "Execution", "ExecutionStatus", "Portal",
    "QuickBooksConnection", "TransactionLink", "metadata", "normalize_url", "save", "utcnow",
]  # fmt: skip

# The status-sync tables live in their own module; import it so metadata() includes them.
from store import status as _status  # noqa: E402,F401
