/* client/drivers/drivers_int.h: what the drivers share (common.c holds the
 * executor plumbing and the config helpers). Not for other folders. */
#ifndef STEPPE_CLIENT_DRIVERS_INT_H
#define STEPPE_CLIENT_DRIVERS_INT_H

#include "client/driver.h"
#include "client/executor_int.h"

struct driver_ops {
	const char *name;
	/* Appends one message per problem of config (a map, never NULL). */
	void (*validate)(const struct value *config, struct errlist *l);
	/* Fills detected / healthy / health_desc and extra attributes. */
	int (*fingerprint)(const struct value *plugin_config,
	                   struct drv_fingerprint *out);
	/* Fills s->argv and the isolation fields from a valid config. */
	int (*prepare)(const struct drv_task *t, struct executor_spec *s,
	               struct err *e);
};

extern const struct driver_ops driver_raw_exec_ops;
extern const struct driver_ops driver_exec_ops;
extern const struct driver_ops driver_java_ops;

/* ---- config helpers ----------------------------------------------------- */

enum driver_key_kind { DRIVER_KEY_STRING, DRIVER_KEY_LIST, DRIVER_KEY_MODE };

struct driver_key {
	const char *name;
	enum driver_key_kind kind;
	bool required;
};

/* Checks config against keys (terminated by a NULL name): unknown keys,
 * missing required ones, kinds. */
void driver_check_keys(const struct value *config,
                       const struct driver_key *keys, struct errlist *l);
/* The string at key, NULL when absent / not a string / empty. */
const char *driver_config_str(const struct value *config, const char *key);
/* Appends the list at key (scalars as text) to out. */
int driver_config_list(const struct value *config, const char *key,
                       struct strlist *out);
/* Whether pid_mode / ipc_mode ask for "host". */
bool driver_config_host(const struct value *config, const char *key);

/* argv = config.command + config.args (raw_exec and exec). */
int driver_command_argv(const struct drv_task *t, struct executor_spec *s,
                        struct err *e);

/* ---- exec isolation ----------------------------------------------------- */

/* Root and a usable memory cgroup; why says what is missing. */
bool driver_exec_usable(char *why, size_t size);
/* Turns s into an exec-isolated spec: modes, cgroup, limits, chroot. */
int driver_exec_isolate(const struct drv_task *t, struct executor_spec *s,
                        struct err *e);

/* "Healthy" fingerprint with driver.<name> = "1" is set by the caller. */
void driver_fp_set(struct drv_fingerprint *f, bool detected, bool healthy,
                   const char *desc);

#endif
