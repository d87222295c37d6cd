"""WeCom (企业微信): the callback door, the app-message and group-robot API, the platform."""
