"""Executions: the ledger row, running one execution, rate budgets, inline batching."""
