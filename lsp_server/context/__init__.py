"""What the model sees: documents, positions, syntax and the token-budgeted prompt."""
