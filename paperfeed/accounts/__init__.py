"""Accounts: sign-up, email verification, log-in, password reset, rate limits, account mails."""
