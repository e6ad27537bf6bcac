"""SQL against the project's own schema: find it in `.sql` files and Python strings, check it
without a database, explain it on a real engine, and write it with the model where every answer is
run before it is shown."""
