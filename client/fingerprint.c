/* client/fingerprint.c: the node's attributes and resources (see
 * fingerprint.h). Each probe falls back to a safe value rather than
 * failing: a node that cannot read /sys still registers. */
#include "client/fingerprint.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "jobspec/config.h"
#include "lib/log.h"
#include "lib/mem.h"

#define FP_BUF 65536

/* Every signal name Nomad's Linux agents report in os.signals, sorted
 * (the server's implied constraints test them with set_contains). */
static const char fp_signals[] =
    "SIGABRT,SIGALRM,SIGBUS,SIGCHLD,SIGCLD,SIGCONT,SIGFPE,SIGHUP,SIGILL,"
    "SIGINT,SIGIO,SIGIOT,SIGKILL,SIGPIPE,SIGPOLL,SIGPROF,SIGPWR,SIGQUIT,"
    "SIGSEGV,SIGSTKFLT,SIGSTOP,SIGSYS,SIGTERM,SIGTRAP,SIGTSTP,SIGTTIN,"
    "SIGTTOU,SIGUNUSED,SIGURG,SIGUSR1,SIGUSR2,SIGVTALRM,SIGWINCH,SIGXCPU,"
    "SIGXFSZ";

struct fp_cpu {
	int64_t cores;
	int64_t mhz;
	char model[256];
};

struct fp_net {
	char device[IF_NAMESIZE + 1];
	char ip[INET6_ADDRSTRLEN];
	char mac[64];
	int64_t mbits;
	bool no_iface; /* the configured interface has no IPv4 address */
};

struct fp_disk {
	char volume[PATH_MAX];
	uint64_t total, free;
};

/* ---- small readers ------------------------------------------------------ */

static void fp_path(const struct fingerprint_config *cfg, const char *path,
                    char *out, size_t size)
{
	snprintf(out, size, "%s%s", cfg->sysroot ? cfg->sysroot : "", path);
}

/* Reads up to size-1 bytes of a small file; returns the length or -1. */
static ssize_t fp_read(const struct fingerprint_config *cfg, const char *path,
                       char *buf, size_t size)
{
	char full[PATH_MAX];
	FILE *f;
	size_t n;
	fp_path(cfg, path, full, sizeof full);
	f = fopen(full, "re");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

static char *fp_trim(char *s)
{
	size_t n;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* The value of a "key<blanks>: value" line (cpuinfo, meminfo), NULL when
 * line is about another key. */
static char *fp_colon_value(char *line, const char *key)
{
	size_t k = strlen(key);
	char *colon;
	if (strncmp(line, key, k) != 0)
		return NULL;
	colon = strchr(line + k, ':');
	if (colon == NULL)
		return NULL;
	for (char *p = line + k; p < colon; p++)
		if (!isspace((unsigned char)*p))
			return NULL;
	return fp_trim(colon + 1);
}

/* ---- cpu and memory ----------------------------------------------------- */

static void fp_cpuinfo(const struct fingerprint_config *cfg, struct fp_cpu *c,
                       char *buf)
{
	char *save = NULL, *v;
	double mhz = 0;
	if (fp_read(cfg, "/proc/cpuinfo", buf, FP_BUF) < 0)
		return;
	for (char *l = strtok_r(buf, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		if (fp_colon_value(l, "processor") != NULL)
			c->cores++;
		else if ((v = fp_colon_value(l, "model name")) != NULL &&
		         c->model[0] == '\0')
			snprintf(c->model, sizeof c->model, "%s", v);
		else if ((v = fp_colon_value(l, "cpu MHz")) != NULL && mhz == 0)
			mhz = strtod(v, NULL);
	}
	if (mhz >= 1)
		c->mhz = (int64_t)mhz;
}

static void fp_cpu(const struct fingerprint_config *cfg, struct fp_cpu *c,
                   char *buf)
{
	memset(c, 0, sizeof *c);
	fp_cpuinfo(cfg, c, buf);
	/* The maximum frequency, as Nomad prefers, when cpufreq tells. */
	if (fp_read(cfg,
	            "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
	            buf, 64) > 0) {
		long long khz = strtoll(buf, NULL, 10);
		if (khz >= 1000)
			c->mhz = khz / 1000;
	}
	if (c->cores <= 0 && cfg->sysroot == NULL)
		c->cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (c->cores <= 0)
		c->cores = 1;
	if (c->mhz <= 0) {
		if (cfg->cpu_total_compute <= 0)
			LOG_WARN("client",
			         "fingerprint: CPU frequency unknown, assuming "
			         "%d MHz; set client.cpu_total_compute",
			         FINGERPRINT_DEFAULT_MHZ);
		c->mhz = FINGERPRINT_DEFAULT_MHZ;
	}
	if (c->model[0] == '\0')
		snprintf(c->model, sizeof c->model, "unknown");
}

static uint64_t fp_memory(const struct fingerprint_config *cfg, char *buf)
{
	char *save = NULL, *v;
	if (fp_read(cfg, "/proc/meminfo", buf, FP_BUF) < 0)
		return 0;
	for (char *l = strtok_r(buf, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save))
		if ((v = fp_colon_value(l, "MemTotal")) != NULL)
			return strtoull(v, NULL, 10) * 1024; /* kB */
	return 0;
}

/* ---- os ----------------------------------------------------------------- */

/* ID and VERSION_ID of /etc/os-release (values may be quoted). */
static void fp_os_release(const struct fingerprint_config *cfg, char *buf,
                          char *id, size_t idlen, char *ver, size_t verlen)
{
	char *save = NULL;
	snprintf(id, idlen, "linux");
	ver[0] = '\0';
	if (fp_read(cfg, "/etc/os-release", buf, FP_BUF) < 0 &&
	    fp_read(cfg, "/usr/lib/os-release", buf, FP_BUF) < 0)
		return;
	for (char *l = strtok_r(buf, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '='), *v;
		size_t n;
		if (eq == NULL)
			continue;
		*eq = '\0';
		v = fp_trim(eq + 1);
		n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		if (strcmp(fp_trim(l), "ID") == 0 && *v)
			snprintf(id, idlen, "%s", v);
		else if (strcmp(fp_trim(l), "VERSION_ID") == 0)
			snprintf(ver, verlen, "%s", v);
	}
}

const char *fingerprint_goarch(const char *machine)
{
	static const char *const map[][2] = {
	    {"x86_64", "amd64"},   {"amd64", "amd64"},     {"aarch64", "arm64"},
	    {"arm64", "arm64"},    {"i386", "386"},        {"i486", "386"},
	    {"i586", "386"},       {"i686", "386"},        {"armv6l", "arm"},
	    {"armv7l", "arm"},     {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
	    {"riscv64", "riscv64"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(machine, map[i][0]) == 0)
			return map[i][1];
	return machine;
}

/* ---- disk --------------------------------------------------------------- */

/* The existing directory nearest to path (path itself or a parent). */
static void fp_existing_dir(const char *path, char *out, size_t size)
{
	struct stat st;
	snprintf(out, size, "%s", path && *path ? path : "/");
	while (stat(out, &st) != 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(out, '/');
		if (slash == NULL) {
			snprintf(out, size, ".");
			return;
		}
		if (slash == out) {
			out[1] = '\0';
			return;
		}
		*slash = '\0';
	}
}

/* Decodes mountinfo's octal escapes (\040 for a space) in place. */
static void fp_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
			              (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The device (mount source) of the longest mount point holding dir. */
static void fp_volume(const char *dir, char *line, char *out, size_t size)
{
	size_t best = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	snprintf(out, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, FP_BUF, f) != NULL) {
		char mnt[PATH_MAX], src[PATH_MAX];
		const char *dash = strstr(line, " - ");
		size_t m;
		if (dash == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%*s %4095s", src) != 1)
			continue;
		fp_unescape(mnt);
		m = strlen(mnt);
		if (strncmp(dir, mnt, m) != 0 ||
		    (m > 1 && dir[m] != '/' && dir[m] != '\0') || m < best)
			continue;
		best = m;
		fp_unescape(src);
		snprintf(out, size, "%s", src);
	}
	fclose(f);
}

static void fp_disk(const struct fingerprint_config *cfg, struct fp_disk *d,
                    char *buf)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct statvfs vfs;
	memset(d, 0, sizeof *d);
	fp_existing_dir(cfg->alloc_dir, dir, sizeof dir);
	if (realpath(dir, real) == NULL)
		snprintf(real, sizeof real, "%s", dir);
	if (statvfs(real, &vfs) == 0) {
		d->total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		d->free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	}
	fp_volume(real, buf, d->volume, sizeof d->volume);
}

/* ---- network ------------------------------------------------------------ */

/* The interface of the IPv4 default route, from /proc/net/route. */
static bool fp_default_iface(const struct fingerprint_config *cfg, char *buf,
                             char *out, size_t size)
{
	char *save = NULL;
	if (fp_read(cfg, "/proc/net/route", buf, FP_BUF) < 0)
		return false;
	for (char *l = strtok_r(buf, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char iface[64], dest[16];
		unsigned flags;
		if (sscanf(l, "%63s %15s %*s %x", iface, dest, &flags) == 3 &&
		    strcmp(dest, "00000000") == 0 && (flags & 1)) {
			snprintf(out, size, "%s", iface);
			return true;
		}
	}
	return false;
}

/* First IPv4 address of iface, or the interface holding ip. */
static bool fp_ifaddr(const char *iface, const char *ip, struct fp_net *out)
{
	struct ifaddrs *list, *a;
	bool found = false;
	if (getifaddrs(&list) != 0)
		return false;
	for (a = list; a != NULL && !found; a = a->ifa_next) {
		char addr[INET6_ADDRSTRLEN];
		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
			continue;
		inet_ntop(AF_INET,
		          &((const struct sockaddr_in *)(void *)a->ifa_addr)
		               ->sin_addr,
		          addr, sizeof addr);
		if ((iface && strcmp(a->ifa_name, iface) == 0) ||
		    (ip && strcmp(addr, ip) == 0)) {
			snprintf(out->device, sizeof out->device, "%s",
			         a->ifa_name);
			snprintf(out->ip, sizeof out->ip, "%s", ip ? ip : addr);
			found = true;
		}
	}
	freeifaddrs(list);
	return found;
}

/* The host part of "ip:port" / "[v6]:port" when it is an IP address
 * other than the unspecified one. */
static bool fp_addr_ip(const char *addr, char *out, size_t size)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *end;
	size_t n;
	if (addr == NULL || *addr == '\0')
		return false;
	if (addr[0] == '[') {
		end = strchr(addr, ']');
		addr++;
	} else {
		end = strrchr(addr, ':');
	}
	n = end ? (size_t)(end - addr) : strlen(addr);
	if (n == 0 || n >= size)
		return false;
	memcpy(out, addr, n);
	out[n] = '\0';
	if (inet_pton(AF_INET, out, &a4) == 1)
		return a4.s_addr != INADDR_ANY;
	return inet_pton(AF_INET6, out, &a6) == 1 &&
	       !IN6_IS_ADDR_UNSPECIFIED(&a6);
}

static void fp_link_info(const struct fingerprint_config *cfg,
                         struct fp_net *net, char *buf)
{
	char path[PATH_MAX];
	net->mbits = cfg->network_speed;
	snprintf(path, sizeof path, "/sys/class/net/%s/address", net->device);
	if (fp_read(cfg, path, buf, 64) > 0)
		snprintf(net->mac, sizeof net->mac, "%s", fp_trim(buf));
	snprintf(path, sizeof path, "/sys/class/net/%s/speed", net->device);
	if (net->mbits <= 0 && fp_read(cfg, path, buf, 64) > 0)
		net->mbits = strtoll(buf, NULL, 10);
	if (net->mbits <= 0)
		net->mbits = FINGERPRINT_DEFAULT_MBITS;
}

static void fp_network(const struct fingerprint_config *cfg, struct fp_net *net,
                       char *buf)
{
	char ip[INET6_ADDRSTRLEN] = "", iface[64];
	memset(net, 0, sizeof *net);
	if (cfg->advertise_ip && *cfg->advertise_ip)
		snprintf(ip, sizeof ip, "%s", cfg->advertise_ip);
	else
		fp_addr_ip(cfg->http_addr, ip, sizeof ip);
	if (cfg->network_interface && *cfg->network_interface) {
		if (fp_ifaddr(cfg->network_interface, NULL, net))
			goto done;
		net->no_iface = true;
		return;
	}
	if (ip[0] && fp_ifaddr(NULL, ip, net))
		goto done;
	if (ip[0] && strncmp(ip, "127.", 4) == 0) {
		/* 127.0.0.0/8 is all on lo without being listed. */
		snprintf(net->device, sizeof net->device, "lo");
		snprintf(net->ip, sizeof net->ip, "%s", ip);
		goto done;
	}
	if (ip[0] == '\0' && fp_default_iface(cfg, buf, iface, sizeof iface) &&
	    fp_ifaddr(iface, NULL, net))
		goto done;
	snprintf(net->device, sizeof net->device, "lo");
	snprintf(net->ip, sizeof net->ip, "%s", ip[0] ? ip : "127.0.0.1");
done:
	fp_link_info(cfg, net, buf);
}

/* ---- filling the node --------------------------------------------------- */

static int fp_set(struct node *n, const char *key, const char *val)
{
	return strmap_set(&n->attributes, key, val);
}

static int fp_setf(struct node *n, const char *key, long long v)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", v);
	return strmap_set(&n->attributes, key, num);
}

static int fp_identity(const struct fingerprint_config *cfg, struct node *n,
                       const char *hostname)
{
	const char *name = cfg->name && *cfg->name ? cfg->name : hostname;
	n->name = mem_strdup(name);
	n->datacenter = mem_strdup(
	    cfg->datacenter && *cfg->datacenter ? cfg->datacenter : "dc1");
	n->node_pool = mem_strdup(
	    cfg->node_pool && *cfg->node_pool ? cfg->node_pool : "default");
	n->node_class = mem_strdup(cfg->node_class ? cfg->node_class : "");
	n->http_addr = mem_strdup(cfg->http_addr ? cfg->http_addr : "");
	if (n->name == NULL || n->datacenter == NULL || n->node_pool == NULL ||
	    n->node_class == NULL || n->http_addr == NULL)
		return ERR_NOMEM;
	if (cfg->meta != NULL && strmap_copy(&n->meta, cfg->meta) != 0)
		return ERR_NOMEM;
	return ERR_OK;
}

static int fp_host_volumes(const struct fingerprint_config *cfg, struct node *n,
                           struct err *e)
{
	const struct agent_host_volume_list *l = cfg->host_volumes;
	if (l == NULL || l->n == 0)
		return ERR_OK;
	n->host_volumes.v = mem_calloc(l->n, sizeof *n->host_volumes.v);
	if (n->host_volumes.v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const struct agent_host_volume *hv = &l->v[i];
		struct client_host_volume_ment *m = &n->host_volumes.v[i];
		struct stat st;
		if (hv->path == NULL || stat(hv->path, &st) != 0)
			return err_set(
			    e, ERR_INVAL, "host_volume \"%s\": path \"%s\": %s",
			    hv->name ? hv->name : "", hv->path ? hv->path : "",
			    hv->path ? strerror(errno) : "missing");
		n->host_volumes.n++;
		m->key = mem_strdup(hv->name ? hv->name : "");
		m->val.name = mem_strdup(hv->name ? hv->name : "");
		m->val.path = mem_strdup(hv->path);
		m->val.read_only = hv->read_only;
		if (m->key == NULL || m->val.name == NULL ||
		    m->val.path == NULL)
			return ERR_NOMEM;
	}
	/* Nomad's map is sorted by name; the config keeps file order. */
	for (size_t i = 1; i < n->host_volumes.n; i++)
		for (size_t j = i;
		     j > 0 && strcmp(n->host_volumes.v[j - 1].key,
		                     n->host_volumes.v[j].key) > 0;
		     j--) {
			struct client_host_volume_ment t = n->host_volumes.v[j];
			n->host_volumes.v[j] = n->host_volumes.v[j - 1];
			n->host_volumes.v[j - 1] = t;
		}
	return ERR_OK;
}

struct fp_facts {
	struct fp_cpu cpu;
	struct fp_net net;
	struct fp_disk disk;
	struct utsname uts;
	char hostname[256];
	char os_id[64], os_ver[64];
	uint64_t mem_bytes;
	int64_t total_compute, memory_mb, disk_mb;
};

static int fp_attrs_host(const struct fingerprint_config *cfg,
                         const struct fp_facts *f, struct node *n)
{
	int rc = 0;
	rc |= fp_set(n, "cpu.arch", fingerprint_goarch(f->uts.machine));
	rc |= fp_setf(n, "cpu.numcores", f->cpu.cores);
	rc |= fp_setf(n, "cpu.reservablecores", f->cpu.cores);
	rc |= fp_setf(n, "cpu.frequency", f->cpu.mhz);
	rc |= fp_setf(n, "cpu.totalcompute", f->total_compute);
	rc |= fp_setf(n, "cpu.usablecompute", f->total_compute);
	rc |= fp_set(n, "cpu.modelname", f->cpu.model);
	rc |= fp_setf(n, "memory.totalbytes", (long long)f->mem_bytes);
	rc |= fp_set(n, "kernel.name", "linux");
	rc |= fp_set(n, "kernel.version", f->uts.release);
	rc |= fp_set(n, "kernel.arch", f->uts.machine);
	rc |= fp_set(n, "os.name", f->os_id);
	if (f->os_ver[0])
		rc |= fp_set(n, "os.version", f->os_ver);
	rc |= fp_set(n, "os.signals", fp_signals);
	rc |= fp_set(n, "unique.hostname", f->hostname);
	rc |= fp_set(n, "nomad.version", FINGERPRINT_NOMAD_VERSION);
	rc |= fp_set(n, "nomad.revision", STEPPE_GIT_REV);
	rc |= fp_set(n, "nomad.service_discovery", "true");
	rc |= fp_set(n, "steppe.version", STEPPE_VERSION);
	if (cfg->http_addr && *cfg->http_addr)
		rc |= fp_set(n, "nomad.advertise.address", cfg->http_addr);
	return rc ? ERR_NOMEM : ERR_OK;
}

static int fp_attrs_storage(const struct fp_facts *f, struct node *n)
{
	int rc = 0;
	rc |= fp_set(n, "unique.storage.volume", f->disk.volume);
	rc |= fp_setf(n, "unique.storage.bytestotal", (long long)f->disk.total);
	rc |= fp_setf(n, "unique.storage.bytesfree", (long long)f->disk.free);
	rc |= fp_set(n, "unique.network.ip-address", f->net.ip);
	return rc ? ERR_NOMEM : ERR_OK;
}

static int fp_networks(const struct fp_facts *f, struct node_resources *r)
{
	struct network_resource *nw;
	struct node_network_resource *nn;
	struct node_network_address *a;
	bool v6 = strchr(f->net.ip, ':') != NULL;
	r->networks.v = mem_calloc(1, sizeof *r->networks.v);
	r->node_networks.v = mem_calloc(1, sizeof *r->node_networks.v);
	if (r->networks.v == NULL || r->node_networks.v == NULL)
		return ERR_NOMEM;
	r->networks.n = r->node_networks.n = 1;
	nw = &r->networks.v[0];
	nw->mode = mem_strdup("host");
	nw->device = mem_strdup(f->net.device);
	nw->ip = mem_strdup(f->net.ip);
	nw->cidr = mem_asprintf("%s/%d", f->net.ip, v6 ? 128 : 32);
	nw->mbits = f->net.mbits;
	nn = &r->node_networks.v[0];
	nn->mode = mem_strdup("host");
	nn->device = mem_strdup(f->net.device);
	nn->mac_address = mem_strdup(f->net.mac);
	nn->speed = f->net.mbits;
	nn->addresses.v = a = mem_calloc(1, sizeof *a);
	if (a == NULL)
		return ERR_NOMEM;
	nn->addresses.n = 1;
	a->family = mem_strdup(v6 ? "ipv6" : "ipv4");
	a->alias = mem_strdup("default");
	a->address = mem_strdup(f->net.ip);
	if (nw->mode == NULL || nw->device == NULL || nw->ip == NULL ||
	    nw->cidr == NULL || nn->mode == NULL || nn->device == NULL ||
	    nn->mac_address == NULL || a->family == NULL || a->alias == NULL ||
	    a->address == NULL)
		return ERR_NOMEM;
	return ERR_OK;
}

static int fp_resources(const struct fingerprint_config *cfg,
                        const struct fp_facts *f, struct node *n, struct err *e)
{
	struct node_resources *r = mem_calloc(1, sizeof *r);
	struct node_reserved_resources *rr = mem_calloc(1, sizeof *rr);
	n->node_resources = r;
	n->reserved_resources = rr;
	if (r == NULL || rr == NULL)
		return ERR_NOMEM;
	r->cpu.cpu_shares = f->total_compute;
	r->cpu.total_cpu_cores = f->cpu.cores;
	r->memory.memory_mb = f->memory_mb;
	r->disk.disk_mb = f->disk_mb;
	r->min_dynamic_port = cfg->min_dynamic_port > 0
	                          ? cfg->min_dynamic_port
	                          : FINGERPRINT_MIN_DYNAMIC_PORT;
	r->max_dynamic_port = cfg->max_dynamic_port > 0
	                          ? cfg->max_dynamic_port
	                          : FINGERPRINT_MAX_DYNAMIC_PORT;
	if (r->min_dynamic_port > r->max_dynamic_port ||
	    r->max_dynamic_port > 65535)
		return err_set(e, ERR_INVAL,
		               "client: invalid dynamic port range %lld-%lld",
		               (long long)r->min_dynamic_port,
		               (long long)r->max_dynamic_port);
	rr->cpu.cpu_shares = cfg->reserved_cpu;
	rr->memory.memory_mb = cfg->reserved_memory_mb;
	rr->disk.disk_mb = cfg->reserved_disk_mb;
	if (cfg->reserved_ports && *cfg->reserved_ports &&
	    (rr->networks.reserved_host_ports =
	         mem_strdup(cfg->reserved_ports)) == NULL)
		return ERR_NOMEM;
	return fp_networks(f, r);
}

static void fp_gather(const struct fingerprint_config *cfg, struct fp_facts *f,
                      char *buf)
{
	memset(f, 0, sizeof *f);
	if (uname(&f->uts) != 0)
		snprintf(f->uts.machine, sizeof f->uts.machine, "unknown");
	if (gethostname(f->hostname, sizeof f->hostname - 1) != 0 ||
	    f->hostname[0] == '\0')
		snprintf(f->hostname, sizeof f->hostname, "%s",
		         f->uts.nodename[0] ? f->uts.nodename : "localhost");
	fp_cpu(cfg, &f->cpu, buf);
	f->mem_bytes = fp_memory(cfg, buf);
	fp_os_release(cfg, buf, f->os_id, sizeof f->os_id, f->os_ver,
	              sizeof f->os_ver);
	fp_disk(cfg, &f->disk, buf);
	fp_network(cfg, &f->net, buf);
	f->total_compute = cfg->cpu_total_compute > 0
	                       ? cfg->cpu_total_compute
	                       : f->cpu.cores * f->cpu.mhz;
	if (cfg->memory_total_mb > 0)
		f->mem_bytes = (uint64_t)cfg->memory_total_mb * 1024 * 1024;
	f->memory_mb = (int64_t)(f->mem_bytes / (1024 * 1024));
	f->disk_mb = cfg->disk_total_mb > 0
	                 ? cfg->disk_total_mb
	                 : (int64_t)(f->disk.free / (1024 * 1024));
}

int fingerprint_node(const struct fingerprint_config *cfg, struct node *n,
                     struct err *e)
{
	struct fp_facts *f = mem_calloc(1, sizeof *f);
	char *buf = mem_malloc(FP_BUF);
	int rc = ERR_NOMEM;
	if (f == NULL || buf == NULL)
		goto free_all;
	fp_gather(cfg, f, buf);
	rc = fp_identity(cfg, n, f->hostname);
	if (rc == ERR_OK && f->net.no_iface)
		rc = err_set(e, ERR_INVAL,
		             "client: network_interface \"%s\" has no IPv4 "
		             "address",
		             cfg->network_interface);
	if (rc == ERR_OK)
		rc = fp_attrs_host(cfg, f, n);
	if (rc == ERR_OK)
		rc = fp_attrs_storage(f, n);
	if (rc == ERR_OK)
		rc = fp_resources(cfg, f, n, e);
	if (rc == ERR_OK)
		rc = fp_host_volumes(cfg, n, e);
free_all:
	mem_free(buf);
	mem_free(f);
	if (rc == ERR_NOMEM)
		err_set(e, ERR_NOMEM, "fingerprint: out of memory");
	if (rc != ERR_OK)
		schema_release(&node_schema, n);
	return rc;
}
