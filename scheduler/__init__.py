"""dispatch: the weekly project dispatch scheduler of a county development and reform bureau."""
