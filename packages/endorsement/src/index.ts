// Populated by its issue; see this package's README for what it owns.
export {};
