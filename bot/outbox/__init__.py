"""Messages to people: written down under a unique key, claimed, sent once on a platform."""
