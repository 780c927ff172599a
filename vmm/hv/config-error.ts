// The error for a configuration the hypervisor refuses (technique and memory mode that do not go together, …).

/** A configuration the hypervisor refuses: the CLI reports it with exit 67. */
export class ConfigError extends Error {}
