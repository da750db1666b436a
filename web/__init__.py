"""The HTTP side: routes, the dashboard, signatures, CSRF and the OpenAPI document."""
