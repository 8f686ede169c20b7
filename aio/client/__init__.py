"""Talking to the core: the sync client (CLI verbs), the async client (dashboard), raw attach,
and how verbs read arguments and report the core's refusals."""
