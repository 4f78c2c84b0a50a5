"""Small REST endpoints that belong to no feature: health and the SPA."""
