"""The admins' config files: models, validation with file:line errors, compilation
and hot reload. Public names are re-exported by `connector.workflows`."""
