"""Pure domain engine (no Flask, no SQLAlchemy): credit scores, staff points and rules."""
