/* agent/agent.h: `steppe agent`: process wiring. Builds the configuration
 * from defaults, files (-config, repeatable, file or folder) and flags, in
 * Nomad's order; runs one uv loop with the RPC listener, the server role
 * and the HTTP API; leaves gracefully on SIGINT/SIGTERM and reloads the
 * log level on SIGHUP. */
#ifndef STEPPE_AGENT_AGENT_H
#define STEPPE_AGENT_AGENT_H

struct cli_cmd;

/* The `agent` command; returns the process exit code. */
int agent_command(const struct cli_cmd *cmd, int argc, char **argv);

#endif
