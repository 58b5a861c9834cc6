"""Back Coach package."""
