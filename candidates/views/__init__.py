"""Thin views of the registry: fetch through the access helpers (visibility applied), call a
service, turn its ValidationError into form errors or messages."""
