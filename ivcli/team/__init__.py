"""Team mode on a shared PostgreSQL database (docs/team.md): setting one up with its roles,
granting them to people's logins, and moving a lone coordinator's file into it."""
