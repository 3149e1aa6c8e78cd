"""Use cases over the database; every one that touches tenant data takes an OrgContext."""
