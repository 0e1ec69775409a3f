"""The city console (``hallq city console``): every hall of the city at a glance, one hall's live
view, city reports, rankings and the 好差评 export, read from the city server with a console
certificate (city/read_api.py)."""
