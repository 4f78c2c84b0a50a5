"""The Pulseboard benchmark: a node load generator (bench/load) and its Python driver."""
