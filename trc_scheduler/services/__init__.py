"""Use cases: take the acting user and arguments, validate, add/flush; never commit, never read the request."""
