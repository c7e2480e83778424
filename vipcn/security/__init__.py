"""Security mechanisms that apply to every page by default: second factor, session lock,
lockout, access log, headers. Pages built later are covered without doing anything."""
