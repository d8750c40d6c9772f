"""Deep observable proxies and a change journal."""
