"""Queue mode (REDIS_URL): RQ jobs, delayed retries, sweeps, callback completion."""
