"""Notifications: replies, mentions and activity on papers a reader follows; in-site and batched email."""
