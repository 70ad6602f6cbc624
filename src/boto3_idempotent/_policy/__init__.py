"""The retry policy: whether a failed attempt is resent, and after how long."""
