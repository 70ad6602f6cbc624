"""``python -m boto3_idempotent``."""

from boto3_idempotent._cli.main import main

raise SystemExit(main())
