"""The web interface (server-rendered, DSFR). A package: one module per group of screens."""
