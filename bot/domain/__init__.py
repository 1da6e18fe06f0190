"""Plain domain objects shared by services, storage and the edges."""
