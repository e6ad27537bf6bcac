"""The `ubiq` command line: the same settings and engine the editor uses."""
