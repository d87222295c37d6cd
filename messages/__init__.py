"""Everything a person reads: jinja2 templates and the renderer, in English and Simplified Chinese."""
