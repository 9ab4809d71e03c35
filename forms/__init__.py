"""Form definitions (declarative JSON files in ``definitions/``) and their loader."""
