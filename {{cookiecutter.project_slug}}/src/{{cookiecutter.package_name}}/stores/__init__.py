"""Where sessions live: the chosen session store (session_store.py) and what keeps it safe to
depend on (its health check, the limits on every wait, the schema lock, the sealed cookie)."""
