"""Small-area indicators (DESIGN §6): catalogue and values with numerator and denominator."""
