"""Emulators of the HubSpot and QuickBooks Online APIs, for tests and the sandbox.

Product code never imports this package; only tests and the sandbox wiring do.
"""
