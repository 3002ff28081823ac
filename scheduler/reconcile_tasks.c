/* scheduler/reconcile_tasks.c: whether a job change needs new allocations
 * (Nomad's tasksUpdated in scheduler/util.go).
 *
 * Each check returns NULL when equal or a static label naming what
 * changed, as Nomad's comparison does for its debug logs. */
#include <stdbool.h>
#include <string.h>

#include "scheduler/reconcile_int.h"

static bool rc_list_eq(const struct schema *s, const void *va, size_t na,
                       const void *vb, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!schema_equal(s, (const char *)va + i * s->size,
		                  (const char *)vb + i * s->size))
			return false;
	return true;
}

#define RC_LIST_EQ(tag, la, lb) \
	rc_list_eq(&tag##_schema, (la).v, (la).n, (lb).v, (lb).n)

static bool rc_ptr_eq(const struct schema *s, const void *a, const void *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return schema_equal(s, a, b);
}

/* ---- networks ----------------------------------------------------------- */

/* The i-th port of a network as Nomad's networkPortMap sees it: reserved
 * ports first, then dynamic ones whose value does not matter. */
static void rc_port_at(const struct network_resource *n, size_t i,
                       const struct port **p, bool *dynamic)
{
	*dynamic = i >= n->reserved_ports.n;
	*p = *dynamic ? &n->dynamic_ports.v[i - n->reserved_ports.n]
	              : &n->reserved_ports.v[i];
}

static bool rc_ports_eq(const struct network_resource *a,
                        const struct network_resource *b)
{
	size_t na = a->reserved_ports.n + a->dynamic_ports.n;
	if (na != b->reserved_ports.n + b->dynamic_ports.n)
		return false;
	for (size_t i = 0; i < na; i++) {
		const struct port *pa, *pb;
		bool da, db;
		rc_port_at(a, i, &pa, &da);
		rc_port_at(b, i, &pb, &db);
		if (da != db || (!da && pa->value != pb->value) ||
		    !rc_str_eq(pa->label, pb->label) || pa->to != pb->to ||
		    !rc_str_eq(pa->host_network, pb->host_network))
			return false;
	}
	return true;
}

static const char *rc_network_why(const struct network_resource *a,
                                  const struct network_resource *b)
{
	if (!rc_str_eq(a->mode, b->mode))
		return "network mode";
	if (a->mbits != b->mbits)
		return "network mbits";
	if (!rc_str_eq(a->hostname, b->hostname))
		return "network hostname";
	if (!rc_ptr_eq(&dns_config_schema, a->dns, b->dns))
		return "network dns";
	if (!rc_ptr_eq(&cni_config_schema, a->cni, b->cni))
		return "network cni";
	if (!rc_ports_eq(a, b))
		return "network port map";
	return NULL;
}

static const char *rc_networks_why(const struct network_resource_list *a,
                                   const struct network_resource_list *b)
{
	if (a->n != b->n)
		return "network lengths";
	for (size_t i = 0; i < a->n; i++) {
		const char *why = rc_network_why(&a->v[i], &b->v[i]);
		if (why != NULL)
			return why;
	}
	return NULL;
}

/* ---- group-level checks ------------------------------------------------- */

static bool rc_volumes_eq(const struct volume_request_map *a,
                          const struct volume_request_map *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!rc_str_eq(a->v[i].key, b->v[i].key) ||
		    !schema_equal(&volume_request_schema, &a->v[i].val,
		                  &b->v[i].val))
			return false;
	return true;
}

/* Services with a connect block need a new allocation when the connect
 * block, its port label or its cluster changes (the rest syncs in
 * place). Nomad compares connect blocks field by field; the whole block
 * is compared here. */
static const char *rc_connect_why(const struct service_list *a,
                                  const struct service_list *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct service *sa = &a->v[i];
		if (sa->connect.kind == VALUE_NULL)
			continue;
		for (size_t j = 0; j < b->n; j++) {
			const struct service *sb = &b->v[j];
			if (!rc_str_eq(sa->name, sb->name))
				continue;
			if (!value_equal(&sa->connect, &sb->connect))
				return "connect";
			if (!rc_str_eq(sa->port_label, sb->port_label))
				return "connect service port label";
			if (!rc_str_eq(sa->cluster, sb->cluster))
				return "connect service cluster";
			break;
		}
	}
	return NULL;
}

static bool rc_render_templates(const struct restart_policy *p)
{
	return p != NULL && p->render_templates.set &&
	       p->render_templates.v != 0;
}

static const char *rc_group_why(const struct task_group *a,
                                const struct task_group *b)
{
	const char *why;
	if (a->tasks.n != b->tasks.n)
		return "number of tasks";
	if (!rc_ptr_eq(&ephemeral_disk_schema, a->ephemeral_disk,
	               b->ephemeral_disk))
		return "ephemeral disk";
	if ((why = rc_networks_why(&a->networks, &b->networks)) != NULL)
		return why;
	if (!value_equal(&a->consul, &b->consul))
		return "consul";
	if ((why = rc_connect_why(&a->services, &b->services)) != NULL)
		return why;
	if (!rc_volumes_eq(&a->volumes, &b->volumes))
		return "volume request";
	if (rc_render_templates(a->restart_policy) !=
	    rc_render_templates(b->restart_policy))
		return "group restart render_templates";
	return NULL;
}

/* ---- task meta ------------------------------------------------------------
 */

/* The meta a task sees for key: its own, else its group's, else the
 * job's (Nomad's CombinedTaskMeta). */
static const char *rc_meta_get(const struct job *j, const struct task_group *tg,
                               const struct task *t, const char *key)
{
	const char *v = strmap_get(&t->meta, key);
	if (v == NULL)
		v = strmap_get(&tg->meta, key);
	if (v == NULL)
		v = strmap_get(&j->meta, key);
	return v;
}

struct rc_meta_side {
	const struct job *j;
	const struct task_group *tg;
	const struct task *t;
};

/* Whether every key of m reads the same on both sides. */
static bool rc_meta_keys_eq(const struct strmap *m,
                            const struct rc_meta_side *a,
                            const struct rc_meta_side *b)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->v[i].key;
		const char *va = rc_meta_get(a->j, a->tg, a->t, k);
		const char *vb = rc_meta_get(b->j, b->tg, b->t, k);
		if ((va == NULL) != (vb == NULL) ||
		    (va != NULL && strcmp(va, vb) != 0))
			return false;
	}
	return true;
}

static bool rc_meta_eq(const struct rc_meta_side *a,
                       const struct rc_meta_side *b)
{
	const struct rc_meta_side *side[2] = {a, b};
	for (int s = 0; s < 2; s++) {
		const struct rc_meta_side *x = side[s];
		if (!rc_meta_keys_eq(&x->t->meta, a, b) ||
		    !rc_meta_keys_eq(&x->tg->meta, a, b) ||
		    !rc_meta_keys_eq(&x->j->meta, a, b))
			return false;
	}
	return true;
}

/* ---- task-level checks ----------------------------------------------------
 */

static const struct resources rc_no_resources;

static const char *rc_resources_why(const struct resources *a,
                                    const struct resources *b)
{
	const char *why;
	a = a != NULL ? a : &rc_no_resources;
	b = b != NULL ? b : &rc_no_resources;
	if ((why = rc_networks_why(&a->networks, &b->networks)) != NULL)
		return why;
	if (a->cpu != b->cpu)
		return "task cpu";
	if (a->cores != b->cores)
		return "task cores";
	if (a->memory_mb != b->memory_mb)
		return "task memory";
	if (a->memory_max_mb != b->memory_max_mb)
		return "task memory max";
	if (!RC_LIST_EQ(requested_device, a->devices, b->devices))
		return "task devices";
	if (!rc_ptr_eq(&numa_schema, a->numa, b->numa))
		return "numa";
	if (a->secrets_mb != b->secrets_mb)
		return "task secrets size";
	return NULL;
}

static bool rc_logs_disabled(const struct task *t)
{
	return t->log_config != NULL && t->log_config->disabled;
}

/* What a task runs: driver, user, config and the files it gets. */
static const char *rc_task_setup_why(const struct task *a, const struct task *b)
{
	if (!rc_str_eq(a->driver, b->driver))
		return "task driver";
	if (!rc_str_eq(a->user, b->user))
		return "task user";
	if (!value_equal(&a->config, &b->config))
		return "task config";
	if (!strmap_equal(&a->env, &b->env))
		return "task env";
	if (!RC_LIST_EQ(task_artifact, a->artifacts, b->artifacts))
		return "task artifacts";
	if (!value_equal(&a->vault, &b->vault))
		return "task vault";
	if (!value_equal(&a->secrets, &b->secrets))
		return "task secrets";
	if (!value_equal(&a->consul, &b->consul))
		return "consul";
	if (!RC_LIST_EQ(task_template, a->templates, b->templates))
		return "task templates";
	if (!value_equal(&a->csi_plugin_config, &b->csi_plugin_config))
		return "task csi config";
	if (!RC_LIST_EQ(volume_mount, a->volume_mounts, b->volume_mounts))
		return "task volume mount";
	return NULL;
}

/* What the task is given: resources, identities, log collection. */
static const char *rc_task_env_why(const struct task *a, const struct task *b)
{
	const char *why = rc_resources_why(a->resources, b->resources);
	if (why != NULL)
		return why;
	if (!rc_ptr_eq(&workload_identity_schema, a->identity, b->identity) ||
	    !RC_LIST_EQ(workload_identity, a->identities, b->identities))
		return "task identity";
	if (rc_logs_disabled(a) != rc_logs_disabled(b))
		return "task log disabled";
	if (rc_render_templates(a->restart_policy) !=
	    rc_render_templates(b->restart_policy))
		return "task restart render_templates";
	return NULL;
}

static const char *rc_task_why(const struct rc_meta_side *a,
                               const struct rc_meta_side *b)
{
	const char *why = rc_task_setup_why(a->t, b->t);
	if (why != NULL)
		return why;
	if (!rc_meta_eq(a, b))
		return "task meta";
	return rc_task_env_why(a->t, b->t);
}

const char *tasks_updated_why(const struct job *a, const struct job *b,
                              const char *group)
{
	const struct task_group *ga, *gb;
	const char *why;
	if (a == NULL || b == NULL)
		return "task group";
	ga = job_lookup_group(a, group);
	gb = job_lookup_group(b, group);
	if (ga == NULL || gb == NULL)
		return "task group";
	if ((why = rc_group_why(ga, gb)) != NULL)
		return why;
	for (size_t i = 0; i < ga->tasks.n; i++) {
		struct rc_meta_side sa = {a, ga, &ga->tasks.v[i]};
		struct rc_meta_side sb = {b, gb, NULL};
		sb.t = task_group_lookup_task(gb, sa.t->name);
		if (sb.t == NULL)
			return "task deleted";
		if ((why = rc_task_why(&sa, &sb)) != NULL)
			return why;
	}
	return NULL;
}

bool tasks_updated(const struct job *a, const struct job *b, const char *group)
{
	return tasks_updated_why(a, b, group) != NULL;
}
