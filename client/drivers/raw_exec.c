/* client/drivers/raw_exec.c: commands without isolation, in their own
 * process group, as the agent's user (or `user` when the agent is root). */
#include <string.h>

#include "client/drivers/drivers_int.h"

static const struct driver_key raw_exec_keys[] = {
    {"command", DRIVER_KEY_STRING, true},
    {"args", DRIVER_KEY_LIST, false},
    {"work_dir", DRIVER_KEY_STRING, false},
    {NULL, DRIVER_KEY_STRING, false},
};

static void raw_exec_validate(const struct value *config, struct errlist *l)
{
	driver_check_keys(config, raw_exec_keys, l);
}

/* `enabled` of the plugin block: a bool, or "true"/"1" as text. */
static bool raw_exec_enabled(const struct value *plugin_config)
{
	const struct value *v = value_map_get(plugin_config, "enabled");
	if (v == NULL)
		return true;
	if (v->kind == VALUE_BOOL)
		return v->u.b;
	if (v->kind == VALUE_INT)
		return v->u.i != 0;
	if (v->kind == VALUE_STRING)
		return strcmp(v->u.s, "true") == 0 || strcmp(v->u.s, "1") == 0;
	return true;
}

static int raw_exec_fingerprint(const struct value *plugin_config,
                                struct drv_fingerprint *out)
{
	if (!raw_exec_enabled(plugin_config))
		driver_fp_set(out, false, false, "disabled");
	else
		driver_fp_set(out, true, true, "Healthy");
	return ERR_OK;
}

int driver_command_argv(const struct drv_task *t, struct executor_spec *s,
                        struct err *e)
{
	if (strlist_push(&s->argv, driver_config_str(t->config, "command")) !=
	        0 ||
	    driver_config_list(t->config, "args", &s->argv) != 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

static int raw_exec_prepare(const struct drv_task *t, struct executor_spec *s,
                            struct err *e)
{
	return driver_command_argv(t, s, e);
}

const struct driver_ops driver_raw_exec_ops = {
    .name = "raw_exec",
    .validate = raw_exec_validate,
    .fingerprint = raw_exec_fingerprint,
    .prepare = raw_exec_prepare,
};
