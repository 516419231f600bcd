"""The web workplace (issue 15): pages and a JSON API over app/ and store/ (`dispatch web`)."""
