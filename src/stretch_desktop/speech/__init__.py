"""Speech behind a small interface (the speech issue fills this in)."""
