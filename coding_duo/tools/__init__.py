"""The room's tools: todos, reference links (with previews) and categories:
their models, logic, list events and API."""
