"""``python -m boto3_idempotent``: the command line and what it runs."""
