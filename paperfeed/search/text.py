"""The one text analyser: tokenise, fold, stem, stop words (pure; used by BM25, highlighting, proximity, digest topics)."""
