"""Hand-written extras that the code generator never touches."""
