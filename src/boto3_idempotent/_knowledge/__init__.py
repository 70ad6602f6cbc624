"""What is known of AWS operations: tokens, resend classes, their evidence and data."""
