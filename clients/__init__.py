"""One client per external API; nothing else in the code speaks HTTP to them."""
