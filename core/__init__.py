"""What the domain apps share and none of them owns (abstract models only, such as the
background job base in `core.jobs`: not a Django app)."""
