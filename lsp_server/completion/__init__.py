"""Code completion, protocol-free: from a document and a cursor to the text an editor shows."""
