"""toiawase's performance benchmark: cold start, warm requests, memory, artifact size, price.

``make bench`` runs it (``python -m bench``); ``python -m bench --tiny`` runs every part once.
"""
