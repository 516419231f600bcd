"""Use cases over the layers below: the weekly run, reprinting a stored week, load and baseline, the service."""
