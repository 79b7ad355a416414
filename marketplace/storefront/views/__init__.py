"""Shopper web pages: thin views that parse a request, call one selector or service,
and render. One module per area; htmx requests get the fragment they swap."""
