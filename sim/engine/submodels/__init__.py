"""The model's submodels, one module each, in the order of the monthly schedule (ODD §7)."""
