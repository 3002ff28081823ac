/* scripts/bench/loadgen.c: the HTTP write load generator behind
 * scripts/bench/raft.sh. One tool drives both steppe and etcd so that the
 * two are measured the same way.
 *
 *   loadgen -k steppe|etcd [-c N] [-d SEC] [-p PREFIX] URL...
 *	closed loop: N clients, each with its own keep-alive connection, send
 *	one write after another for SEC seconds, spread round-robin over the
 *	URLs. Prints one line:
 *	ok=.. errors=.. seconds=.. rps=.. p50_ms=.. p99_ms=.. max_ms=..
 *	err_max_ms=..  (latencies are of acknowledged writes; err_max_ms is
 *	the longest wait for a failed one)
 *
 *   loadgen -k steppe|etcd -K PID [-w SEC] [-r RATE] [-t SEC] URL...
 *	failover: an open-loop steady load of RATE writes per second spread
 *	over the URLs (the members that will survive); after SEC seconds of
 *	warm-up it sends SIGKILL to PID and reports the time from the kill to
 *	the first acknowledged (2xx) write among those sent after the kill:
 *	failover_ms=.. sent_before=.. ok_before=.. errors_after=.. skipped=..
 *	(failover_ms=timeout if none within -t seconds; skipped counts sends
 *	dropped because every slot was busy).
 *
 * Every write is new: steppe gets PUT /v1/jobs with job ID PREFIX-<n>, etcd
 * gets POST /v3/kv/put (JSON gateway, base64 key and value) with key
 * PREFIX-<n>. Only libcurl and the C library; latencies go into a static
 * 10 us histogram, so nothing is allocated by this file.
 *
 * Build: cc -O2 -o loadgen loadgen.c $(pkg-config --cflags --libs libcurl)
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS 1024
#define MAX_URLS  8
#define BUCKET_NS 10000ULL              /* histogram resolution: 10 us */
#define N_BUCKETS (30 * 1000 * 100 + 1) /* up to 30 s, last = overflow */

enum kind { KIND_STEPPE, KIND_ETCD };

struct slot {
	CURL *h;
	struct curl_slist *hdrs;
	uint64_t start_ns;
	bool busy;
	char url[256];
	char body[512];
	char resp[160]; /* start of the response, for error reports */
	size_t resp_len;
};

struct opts {
	enum kind kind;
	int clients;
	double duration_s;
	const char *prefix;
	pid_t kill_pid;
	double warmup_s;
	double rate;
	double deadline_s;
	const char *urls[MAX_URLS];
	int n_urls;
};

static struct slot slots[MAX_SLOTS];
static uint32_t hist[N_BUCKETS];
static uint64_t seq;
static char first_error[512];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void b64(const char *in, char *out, size_t cap)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Fills the slot's body with the next distinct write. */
static void slot_body(struct slot *s, const struct opts *o)
{
	char key[128], k64[200], v64[32];
	snprintf(key, sizeof(key), "%s-%llu", o->prefix,
	         (unsigned long long)++seq);
	if (o->kind == KIND_STEPPE) {
		snprintf(s->body, sizeof(s->body),
		         "{\"Job\":{\"ID\":\"%s\",\"TaskGroups\":[{\"Name\":"
		         "\"g\",\"Tasks\":[{\"Name\":\"t\",\"Driver\":"
		         "\"raw_exec\",\"Config\":{\"command\":\"/bin/true\"}"
		         "}]}]}}",
		         key);
		return;
	}
	b64(key, k64, sizeof(k64));
	b64("v", v64, sizeof(v64));
	snprintf(s->body, sizeof(s->body), "{\"key\":\"%s\",\"value\":\"%s\"}",
	         k64, v64);
}

static size_t sink(char *ptr, size_t size, size_t n, void *data)
{
	struct slot *s = data;
	size_t len = size * n, room = sizeof(s->resp) - 1 - s->resp_len;
	if (len < room)
		room = len;
	memcpy(s->resp + s->resp_len, ptr, room);
	s->resp_len += room;
	s->resp[s->resp_len] = '\0';
	return len;
}

static int slot_init(struct slot *s, const struct opts *o, const char *base,
                     long timeout_ms)
{
	const char *path = o->kind == KIND_STEPPE ? "/v1/jobs" : "/v3/kv/put";
	snprintf(s->url, sizeof(s->url), "%s%s", base, path);
	s->h = curl_easy_init();
	if (s->h == NULL)
		return -1;
	s->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	s->hdrs = curl_slist_append(s->hdrs, "Expect:");
	curl_easy_setopt(s->h, CURLOPT_URL, s->url);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST,
	                 o->kind == KIND_STEPPE ? "PUT" : "POST");
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(s->h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	return 0;
}

static int slot_send(CURLM *m, struct slot *s, const struct opts *o)
{
	slot_body(s, o);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
	s->resp_len = 0;
	s->resp[0] = '\0';
	s->start_ns = now_ns();
	s->busy = true;
	return curl_multi_add_handle(m, s->h) == CURLM_OK ? 0 : -1;
}

/* Removes a finished transfer; returns true for an acknowledged write. */
static bool slot_done(CURLM *m, struct slot *s, CURLcode res)
{
	long code = 0;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(m, s->h);
	s->busy = false;
	if (res == CURLE_OK && code >= 200 && code < 300)
		return true;
	if (first_error[0] != '\0')
		return false;
	for (char *p = s->resp; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (res != CURLE_OK)
		snprintf(first_error, sizeof(first_error), "%s: %s", s->url,
		         curl_easy_strerror(res));
	else
		snprintf(first_error, sizeof(first_error), "%s: HTTP %ld: %s",
		         s->url, code, s->resp);
	return false;
}

static void slots_release(CURLM *m, int n)
{
	for (int i = 0; i < n; i++) {
		if (slots[i].busy)
			curl_multi_remove_handle(m, slots[i].h);
		curl_easy_cleanup(slots[i].h);
		curl_slist_free_all(slots[i].hdrs);
	}
}

static double hist_pct(uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * (double)total), acc = 0;
	if (want == 0)
		want = 1;
	for (size_t b = 0; b < N_BUCKETS; b++) {
		acc += hist[b];
		if (acc >= want)
			return (double)(b + 1) * BUCKET_NS / 1e6;
	}
	return 0;
}

static void hist_add(uint64_t lat_ns)
{
	uint64_t b = lat_ns / BUCKET_NS;
	hist[b < N_BUCKETS ? b : N_BUCKETS - 1]++;
}

static double hist_max(void)
{
	for (size_t b = N_BUCKETS; b-- > 0;)
		if (hist[b] != 0)
			return (double)(b + 1) * BUCKET_NS / 1e6;
	return 0;
}

static void wait_io(CURLM *m, int ms)
{
	int running;
	curl_multi_poll(m, NULL, 0, ms, NULL);
	curl_multi_perform(m, &running);
}

/* Closed loop: every client sends its next write as soon as the last one
 * is answered. Only writes that complete inside the window count. */
static int run_throughput(CURLM *m, const struct opts *o)
{
	uint64_t ok = 0, errs = 0, err_max = 0, t0, end, t1;
	int n = o->clients;
	for (int i = 0; i < n; i++)
		if (slot_init(&slots[i], o, o->urls[i % o->n_urls], 10000) != 0)
			return -1;
	t0 = now_ns();
	end = t0 + (uint64_t)(o->duration_s * 1e9);
	for (int i = 0; i < n; i++)
		slot_send(m, &slots[i], o);
	while ((t1 = now_ns()) < end) {
		CURLMsg *msg;
		int q;
		wait_io(m, 50);
		while ((msg = curl_multi_info_read(m, &q)) != NULL) {
			struct slot *s;
			uint64_t t;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			                  (char **)&s);
			t = now_ns();
			if (t >= end)
				continue;
			if (slot_done(m, s, msg->data.result)) {
				ok++;
				hist_add(t - s->start_ns);
			} else {
				errs++;
				if (t - s->start_ns > err_max)
					err_max = t - s->start_ns;
			}
			slot_send(m, s, o);
		}
	}
	t1 = end;
	printf("ok=%llu errors=%llu seconds=%.2f rps=%.1f p50_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f err_max_ms=%.3f\n",
	       (unsigned long long)ok, (unsigned long long)errs,
	       (double)(t1 - t0) / 1e9, (double)ok / ((double)(t1 - t0) / 1e9),
	       hist_pct(ok, 0.50), hist_pct(ok, 0.99), hist_max(),
	       (double)err_max / 1e6);
	slots_release(m, n);
	return 0;
}

struct failover {
	uint64_t kill_ns; /* 0 until the kill */
	uint64_t done_ns; /* 0 until the first write acknowledged after it */
	uint64_t sent_before, ok_before, errs_after, skipped;
};

static void failover_collect(CURLM *m, struct failover *f)
{
	CURLMsg *msg;
	int q;
	while ((msg = curl_multi_info_read(m, &q)) != NULL) {
		struct slot *s;
		bool ok;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		                  (char **)&s);
		ok = slot_done(m, s, msg->data.result);
		if (f->kill_ns == 0) {
			f->ok_before += ok;
		} else if (!ok) {
			f->errs_after++;
		} else if (s->start_ns >= f->kill_ns && f->done_ns == 0) {
			f->done_ns = now_ns();
		}
	}
}

static void failover_launch(CURLM *m, const struct opts *o, struct failover *f)
{
	static int next;
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct slot *s = &slots[(next + i) % MAX_SLOTS];
		if (!s->busy) {
			next = (next + i + 1) % MAX_SLOTS;
			slot_send(m, s, o);
			f->sent_before += f->kill_ns == 0;
			return;
		}
	}
	f->skipped++;
}

static int failover_kill(const struct opts *o, struct failover *f)
{
	if (f->ok_before == 0) {
		fprintf(stderr,
		        "loadgen: no write acknowledged before the kill%s%s\n",
		        first_error[0] ? ": " : "", first_error);
		return -1;
	}
	if (kill(o->kill_pid, SIGKILL) != 0) {
		fprintf(stderr, "loadgen: kill %d: %s\n", (int)o->kill_pid,
		        strerror(errno));
		return -1;
	}
	f->kill_ns = now_ns();
	return 0;
}

/* Open loop at a fixed rate, so that writes keep being sent (to the
 * survivors) even while earlier ones hang on the dead leader. */
static int run_failover(CURLM *m, const struct opts *o)
{
	struct failover f = {0};
	uint64_t interval = (uint64_t)(1e9 / o->rate), t0 = now_ns(), next, t;
	uint64_t kill_at = t0 + (uint64_t)(o->warmup_s * 1e9);
	long tmo = (long)((o->warmup_s + o->deadline_s) * 1000) + 1000;
	int rc = 0;
	for (int i = 0; i < MAX_SLOTS; i++)
		if (slot_init(&slots[i], o, o->urls[i % o->n_urls], tmo) != 0)
			return -1;
	next = t0;
	while (f.done_ns == 0) {
		t = now_ns();
		if (f.kill_ns == 0 && t >= kill_at &&
		    failover_kill(o, &f) != 0) {
			rc = -1;
			break;
		}
		if (f.kill_ns != 0 &&
		    t > f.kill_ns + (uint64_t)(o->deadline_s * 1e9))
			break;
		for (; next <= t; next += interval)
			failover_launch(m, o, &f);
		wait_io(m, (int)((next - t) / 1000000) + 1);
		failover_collect(m, &f);
	}
	if (rc == 0 && f.done_ns != 0)
		printf("failover_ms=%.1f",
		       (double)(f.done_ns - f.kill_ns) / 1e6);
	else if (rc == 0)
		printf("failover_ms=timeout");
	if (rc == 0)
		printf(" sent_before=%llu ok_before=%llu errors_after=%llu "
		       "skipped=%llu\n",
		       (unsigned long long)f.sent_before,
		       (unsigned long long)f.ok_before,
		       (unsigned long long)f.errs_after,
		       (unsigned long long)f.skipped);
	slots_release(m, MAX_SLOTS);
	return rc;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: loadgen -k steppe|etcd [-c N] [-d SEC] [-p PREFIX] URL...\n"
	    "       loadgen -k steppe|etcd -K PID [-w SEC] [-r RATE] [-t SEC] "
	    "[-p PREFIX] URL...\n");
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;
	*o = (struct opts){.clients = 1,
	                   .duration_s = 10,
	                   .prefix = "bench",
	                   .warmup_s = 2,
	                   .rate = 200,
	                   .deadline_s = 30};
	while ((c = getopt(argc, argv, "k:c:d:p:K:w:r:t:")) != -1) {
		switch (c) {
		case 'k':
			if (strcmp(optarg, "steppe") == 0)
				o->kind = KIND_STEPPE;
			else if (strcmp(optarg, "etcd") == 0)
				o->kind = KIND_ETCD;
			else
				usage();
			break;
		case 'c': o->clients = atoi(optarg); break;
		case 'd': o->duration_s = atof(optarg); break;
		case 'p': o->prefix = optarg; break;
		case 'K': o->kill_pid = (pid_t)atoi(optarg); break;
		case 'w': o->warmup_s = atof(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		case 't': o->deadline_s = atof(optarg); break;
		default: usage();
		}
	}
	for (; optind < argc && o->n_urls < MAX_URLS; optind++)
		o->urls[o->n_urls++] = argv[optind];
	if (o->n_urls == 0 || o->clients < 1 || o->clients > MAX_SLOTS ||
	    o->duration_s <= 0 || o->rate <= 0 || o->rate > 100000 ||
	    o->deadline_s <= 0 || o->warmup_s < 0)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o;
	CURLM *m;
	int rc;
	parse_opts(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	m = curl_multi_init();
	if (m == NULL)
		return 1;
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)MAX_SLOTS);
	if (o.kill_pid > 0)
		rc = run_failover(m, &o);
	else
		rc = run_throughput(m, &o);
	if (rc == 0 && first_error[0] != '\0')
		fprintf(stderr, "    first error: %s\n", first_error);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return rc == 0 ? 0 : 1;
}
