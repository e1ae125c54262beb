"""Web serving shared by every page-serving app: the page cache, the WSGI entry, `paperfeed serve`."""
