"""SQL against the project's own schema: find it in `.sql` files and Python strings, check it
without a database, explain it on a real engine, and write it with the model where every answer is
run before it is shown."""

import logging

# sqlglot logs "falling back to parsing as a Command" for SQL it does not understand; the checks
# here skip such statements on purpose (no guesses), so the message is noise in users' terminals.
logging.getLogger("sqlglot").setLevel(logging.ERROR)
