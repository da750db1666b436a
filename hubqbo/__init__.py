"""QuickBooks Online workflow actions for HubSpot."""
