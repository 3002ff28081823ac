/* scheduler/feasible_device.c: whether a node has the devices a task group
 * asks for (Nomad's DeviceChecker, without device constraints). */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/sched_int.h"

static const char *field(const struct value *m, const char *key)
{
	const struct value *v = value_map_get(m, key);
	return v != NULL && v->kind == VALUE_STRING ? v->u.s : "";
}

static int64_t healthy_count(const struct value *dev)
{
	const struct value *inst = value_map_get(dev, "Instances");
	int64_t n = 0;
	if (inst == NULL || inst->kind != VALUE_LIST)
		return 0;
	for (size_t i = 0; i < inst->u.list.n; i++) {
		const struct value *h =
		    value_map_get(&inst->u.list.v[i], "Healthy");
		n += h != NULL && h->kind == VALUE_BOOL && h->u.b;
	}
	return n;
}

/* The request name's part k (0 vendor, 1 type, 2 name) into buf; "" when
 * the name does not say. */
static void id_part(const char *name, int k, char *buf, size_t len)
{
	const char *parts[3] = {"", "", ""};
	size_t lens[3] = {0, 0, 0};
	int n = 0, first = 0;
	const char *p = name;
	while (n < 3) {
		const char *slash = n < 2 ? strchr(p, '/') : NULL;
		parts[n] = p;
		lens[n] = slash != NULL ? (size_t)(slash - p) : strlen(p);
		n++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (n == 1)
		first = 1; /* "<type>" */
	k -= first;
	if (k < 0 || k >= n)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%.*s", (int)lens[k], parts[k]);
}

static bool device_matches(const struct value *dev, const char *name)
{
	static const char *const keys[] = {"Vendor", "Type", "Name"};
	for (int k = 0; k < 3; k++) {
		char want[256];
		id_part(name, k, want, sizeof want);
		if (*want != '\0' && strcmp(want, field(dev, keys[k])) != 0)
			return false;
	}
	return true;
}

/* Takes count instances for one request from the matching devices. */
static bool take(const struct value *devs, int64_t *avail, const char *name,
                 int64_t count)
{
	for (size_t i = 0; i < devs->u.list.n && count > 0; i++) {
		int64_t t;
		if (avail[i] == 0 || !device_matches(&devs->u.list.v[i], name))
			continue;
		t = avail[i] < count ? avail[i] : count;
		avail[i] -= t;
		count -= t;
	}
	return count == 0;
}

static bool fits(const struct value *devs, int64_t *avail,
                 const struct task_group *tg)
{
	for (size_t i = 0; i < tg->tasks.n; i++) {
		const struct resources *r = tg->tasks.v[i].resources;
		for (size_t j = 0; r != NULL && j < r->devices.n; j++) {
			const struct requested_device *d = &r->devices.v[j];
			int64_t count = d->count > 0 ? (int64_t)d->count : 1;
			if (!take(devs, avail, sched_str(d->name), count))
				return false;
		}
	}
	return true;
}

bool feasible_has_devices(const struct node *n, const struct task_group *tg)
{
	const struct value *devs =
	    n->node_resources != NULL ? &n->node_resources->devices : NULL;
	int64_t *avail;
	bool ok;
	if (devs == NULL || devs->kind != VALUE_LIST || devs->u.list.n == 0)
		return false;
	avail = mem_calloc(devs->u.list.n, sizeof *avail);
	if (avail == NULL)
		return false;
	for (size_t i = 0; i < devs->u.list.n; i++)
		avail[i] = healthy_count(&devs->u.list.v[i]);
	ok = fits(devs, avail, tg);
	mem_free(avail);
	return ok;
}
