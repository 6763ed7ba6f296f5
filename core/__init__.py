"""What the domain apps share and none of them owns (no models: not a Django app)."""
