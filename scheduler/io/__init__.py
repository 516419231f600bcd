"""Files in and out of the core: project files, calendar files, config.toml, weekly report sheets,
interchange formats."""
