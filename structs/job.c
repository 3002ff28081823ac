/* structs/job.c: the descriptors of the job family and small lookups. */
#include "structs/job.h"

#include <string.h>

#include "lib/mem.h"

SCHEMA_DEFINE(constraint, CONSTRAINT_FIELDS, 0);
SCHEMA_DEFINE(affinity, AFFINITY_FIELDS, 0);
SCHEMA_DEFINE(spread_target, SPREAD_TARGET_FIELDS, 0);
SCHEMA_DEFINE(spread, SPREAD_FIELDS, 0);
SCHEMA_DEFINE(port, PORT_FIELDS, SCHEMA_OMITEMPTY);
SCHEMA_DEFINE(dns_config, DNS_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(cni_config, CNI_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(network_resource, NETWORK_RESOURCE_FIELDS, SCHEMA_OMITEMPTY);
SCHEMA_DEFINE(numa, NUMA_FIELDS, 0);
SCHEMA_DEFINE(requested_device, REQUESTED_DEVICE_FIELDS, 0);
SCHEMA_DEFINE(resources, RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(check_restart, CHECK_RESTART_FIELDS, 0);
SCHEMA_DEFINE(service_check, SERVICE_CHECK_FIELDS, 0);
SCHEMA_DEFINE(service_weights, SERVICE_WEIGHTS_FIELDS, 0);
SCHEMA_DEFINE(workload_identity, WORKLOAD_IDENTITY_FIELDS, 0);
SCHEMA_DEFINE(service, SERVICE_FIELDS, 0);
SCHEMA_DEFINE(change_script, CHANGE_SCRIPT_FIELDS, 0);
SCHEMA_DEFINE(wait_config, WAIT_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(task_template, TASK_TEMPLATE_FIELDS, 0);
SCHEMA_DEFINE(task_artifact, TASK_ARTIFACT_FIELDS, 0);
SCHEMA_DEFINE(restart_policy, RESTART_POLICY_FIELDS, 0);
SCHEMA_DEFINE(reschedule_policy, RESCHEDULE_POLICY_FIELDS, 0);
SCHEMA_DEFINE(update_strategy, UPDATE_STRATEGY_FIELDS, 0);
SCHEMA_DEFINE(migrate_strategy, MIGRATE_STRATEGY_FIELDS, 0);
SCHEMA_DEFINE(ephemeral_disk, EPHEMERAL_DISK_FIELDS, 0);
SCHEMA_DEFINE(log_config, LOG_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(task_lifecycle, TASK_LIFECYCLE_FIELDS, 0);
SCHEMA_DEFINE(csi_mount_options, CSI_MOUNT_OPTIONS_FIELDS, 0);
SCHEMA_DEFINE(volume_request, VOLUME_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(volume_mount, VOLUME_MOUNT_FIELDS, 0);
SCHEMA_DEFINE(dispatch_payload_config, DISPATCH_PAYLOAD_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(disconnect_strategy, DISCONNECT_STRATEGY_FIELDS, 0);
SCHEMA_DEFINE(scaling_policy, SCALING_POLICY_FIELDS, 0);
SCHEMA_DEFINE(task, TASK_FIELDS, 0);
SCHEMA_DEFINE(task_group, TASK_GROUP_FIELDS, 0);
SCHEMA_DEFINE(periodic_config, PERIODIC_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(parameterized_job_config, PARAMETERIZED_JOB_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(job_ui_link, JOB_UI_LINK_FIELDS, 0);
SCHEMA_DEFINE(job_ui_config, JOB_UI_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(job_version_tag, JOB_VERSION_TAG_FIELDS, 0);
SCHEMA_DEFINE(job, JOB_FIELDS, 0);

static bool job_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

struct task_group *job_lookup_group(const struct job *job, const char *name)
{
	for (size_t i = 0; i < job->task_groups.n; i++)
		if (job_str_eq(job->task_groups.v[i].name, name))
			return &job->task_groups.v[i];
	return NULL;
}

struct task *task_group_lookup_task(const struct task_group *tg,
                                    const char *name)
{
	for (size_t i = 0; i < tg->tasks.n; i++)
		if (job_str_eq(tg->tasks.v[i].name, name))
			return &tg->tasks.v[i];
	return NULL;
}

bool job_is_periodic(const struct job *job)
{
	return job->periodic != NULL &&
	       (!job->periodic->enabled.set || job->periodic->enabled.v != 0);
}

bool job_is_parameterized(const struct job *job)
{
	return job->parameterized_job != NULL && !job->dispatched;
}

int64_t job_total_count(const struct job *job)
{
	int64_t n = 0;
	for (size_t i = 0; i < job->task_groups.n; i++)
		if (__builtin_add_overflow(n, job->task_groups.v[i].count.v,
		                           &n))
			return INT64_MAX;
	return n;
}

int64_t port_effective_to(const struct port *p)
{
	return p->to == -1 ? p->value : p->to;
}

bool task_is_main(const struct task *t)
{
	return t->lifecycle == NULL || t->lifecycle->hook == NULL ||
	       t->lifecycle->hook[0] == '\0';
}

void job_free(struct job *job)
{
	if (job == NULL)
		return;
	schema_release(&job_schema, job);
	mem_free(job);
}

struct job *job_dup(const struct job *job)
{
	struct job *out = mem_calloc(1, sizeof(*out));
	if (out == NULL)
		return NULL;
	if (schema_copy(&job_schema, out, job) != 0) {
		mem_free(out);
		return NULL;
	}
	return out;
}
