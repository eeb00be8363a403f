"""The desk's pages, one module per area; each view reads its objects through `desk.access`."""
