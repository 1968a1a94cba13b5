"""Lambda handlers: thin wiring of events, Powertools and adapters to the core."""
