/* client/drivers/exec.c: commands in their own PID, mount, IPC and UTS
 * namespaces, chrooted into the task dir, with cgroup limits. Root only. */
#include <unistd.h>

#include "client/drivers/drivers_int.h"

static const struct driver_key exec_keys[] = {
    {"command", DRIVER_KEY_STRING, true},
    {"args", DRIVER_KEY_LIST, false},
    {"work_dir", DRIVER_KEY_STRING, false},
    {"pid_mode", DRIVER_KEY_MODE, false},
    {"ipc_mode", DRIVER_KEY_MODE, false},
    {NULL, DRIVER_KEY_STRING, false},
};

static void exec_validate(const struct value *config, struct errlist *l)
{
	driver_check_keys(config, exec_keys, l);
}

/* Nomad: undetected unless root; unhealthy without a cgroup mount. */
static int exec_fingerprint(const struct value *plugin_config,
                            struct drv_fingerprint *out)
{
	char why[128];
	(void)plugin_config;
	if (driver_exec_usable(why, sizeof why))
		driver_fp_set(out, true, true, "Healthy");
	else
		driver_fp_set(out, geteuid() == 0, false, why);
	return ERR_OK;
}

static int exec_prepare(const struct drv_task *t, struct executor_spec *s,
                        struct err *e)
{
	int rc = driver_command_argv(t, s, e);
	return rc != 0 ? rc : driver_exec_isolate(t, s, e);
}

const struct driver_ops driver_exec_ops = {
    .name = "exec",
    .validate = exec_validate,
    .fingerprint = exec_fingerprint,
    .prepare = exec_prepare,
};
