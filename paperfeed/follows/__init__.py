"""Follows: readers follow authors, users and labs; labs; authorship claims; links beyond code."""
