"""A faithful emulator of the HubSpot APIs the product uses, and HubSpot's side of workflows.

`HubSpotEmulator` serves OAuth, CRM reads, associations, callbacks and action definitions;
`WorkflowDriver` plays the workflow engine that POSTs signed executions to the product;
`seed_demo` fills a portal with demo deals, a quote and payments.
"""

from .emulator import HubSpotEmulator
from .seed import seed_demo
from .state import Config, Portal
from .workflows import Delivery, WorkflowDriver

__all__ = ["Config", "Delivery", "HubSpotEmulator", "Portal", "WorkflowDriver", "seed_demo"]
