"""tipdb: the Trafficking in Persons Report as a queryable PostgreSQL database."""

__version__ = "0.1.0"
