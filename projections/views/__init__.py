"""The stored read models: current dossiers and the ledger sums."""
