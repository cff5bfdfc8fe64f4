"""A tiny statistics package: the bundled OctaGit demo repository."""
