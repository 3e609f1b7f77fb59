"""Command-line tools written in Python (``python3 -m bitsink.cli.<tool>``;
build/bin has a launcher for each)."""
