/* client/getter.c: artifact downloads (see getter.h).
 *
 * Everything lands through directory file descriptors opened with
 * O_NOFOLLOW from the task (or shared alloc) directory down, so neither a
 * destination nor an archive entry can reach outside through a symlink a
 * task left behind. Archives are read with libarchive but written here
 * (not with archive_write_disk, which changes the process umask and so is
 * not safe on a thread pool). A download goes to a hidden temporary file
 * in the destination directory and is renamed or unpacked from there.
 * libcurl, libarchive and libcrypto are loaded at their first use here
 * (lib/dl.h); a missing one fails the artifact, naming its package. */
#include "client/getter.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/dl.h"
#include "lib/id.h"
#include "lib/mem.h"

enum gt_kind { GT_HTTP, GT_FILE };
enum gt_mode { GT_MODE_ANY, GT_MODE_FILE, GT_MODE_DIR };
enum gt_arch { GT_ARCH_NONE, GT_ARCH_TAR, GT_ARCH_ZIP, GT_ARCH_SINGLE };

struct gt {
	enum gt_kind kind;
	enum gt_mode mode;
	enum gt_arch arch;
	size_t ext_len; /* of the archive extension matched, with its dot */
	char *src;      /* the interpolated source */
	char *url;      /* what is fetched (getter parameters removed) */
	char *path;     /* the URL's decoded path, or the file path */
	char *dest, *checksum, *archive, *filename;
	struct strmap headers;
	bool insecure;
	const EVP_MD *md;
	unsigned char want[EVP_MAX_MD_SIZE];
	unsigned want_len;
	char name[NAME_MAX + 1]; /* the source's file name */
	int dirfd;               /* the destination directory */
	char leaf[NAME_MAX + 1]; /* file mode: the file's name in dirfd */
	char tmp[64];            /* the download, in dirfd */
	unsigned files;          /* unpacked or copied */
	uint64_t bytes;
	struct err *e;
};

struct gt_sink {
	int fd;
	EVP_MD_CTX *md;
	uint64_t bytes;
	bool too_big;
	int werr;
};

static const struct {
	const char *ext;
	enum gt_arch arch;
} gt_exts[] = {
    {"tar.bz2", GT_ARCH_TAR}, {"tar.gz", GT_ARCH_TAR}, {"tar.xz", GT_ARCH_TAR},
    {"tar.zst", GT_ARCH_TAR}, {"tbz2", GT_ARCH_TAR},   {"tgz", GT_ARCH_TAR},
    {"txz", GT_ARCH_TAR},     {"tzst", GT_ARCH_TAR},   {"zip", GT_ARCH_ZIP},
    {"tar", GT_ARCH_TAR},     {"bz2", GT_ARCH_SINGLE}, {"gz", GT_ARCH_SINGLE},
    {"xz", GT_ARCH_SINGLE},   {"zst", GT_ARCH_SINGLE},
};
#define GT_NEXTS (sizeof gt_exts / sizeof gt_exts[0])

/* ---- small helpers ------------------------------------------------------ */

void getter_redact(const char *url, char *out, size_t size)
{
	const char *sep = strstr(url ? url : "", "://"), *at, *colon, *end;
	if (sep == NULL) {
		snprintf(out, size, "%s", url ? url : "");
		return;
	}
	end = sep + 3 + strcspn(sep + 3, "/?#");
	at = memchr(sep + 3, '@', (size_t)(end - sep - 3));
	colon = at ? memchr(sep + 3, ':', (size_t)(at - sep - 3)) : NULL;
	if (colon == NULL) {
		snprintf(out, size, "%s", url);
		return;
	}
	snprintf(out, size, "%.*sxxxxx%s", (int)(colon + 1 - url), url, at);
}

static int gt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes n bytes of s into a new string ('+' is a space in a
 * query value). */
static char *gt_unescape(const char *s, size_t n, bool plus)
{
	char *out = mem_malloc(n + 1), *w = out;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi = i + 2 < n ? gt_hexval((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < n ? gt_hexval((unsigned char)s[i + 2]) : -1;
		if (s[i] == '%' && hi >= 0 && lo >= 0) {
			*w++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*w++ = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	*w = '\0';
	return out;
}

static int gt_fail(struct gt *g, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int gt_fail(struct gt *g, int code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(g->e, code, "%s", msg);
}

static int gt_oom(struct gt *g)
{
	return gt_fail(g, ERR_NOMEM, "out of memory");
}

/* ---- source ------------------------------------------------------------- */

/* Takes go-getter's own parameters (checksum, archive, filename) out of
 * the query of g->url; options given in the artifact block win. */
static int gt_query(struct gt *g)
{
	char *q = strchr(g->url, '?'), *frag, *p;
	struct buf keep;
	if (q == NULL)
		return ERR_OK;
	frag = strchr(q, '#');
	if (frag != NULL)
		*frag = '\0';
	buf_init(&keep);
	for (p = q + 1; *p;) {
		size_t n = strcspn(p, "&");
		char **slot = NULL;
		if (strncmp(p, "checksum=", 9) == 0)
			slot = &g->checksum;
		else if (strncmp(p, "archive=", 8) == 0)
			slot = &g->archive;
		else if (strncmp(p, "filename=", 9) == 0)
			slot = &g->filename;
		if (slot != NULL && *slot == NULL) {
			const char *eq = strchr(p, '=');
			*slot =
			    gt_unescape(eq + 1, n - (size_t)(eq + 1 - p), true);
			if (*slot == NULL)
				keep.oom = true;
		} else if (slot == NULL && n > 0) {
			buf_append_char(&keep, keep.len ? '&' : '?');
			buf_append(&keep, p, n);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	*q = '\0';
	if (keep.oom) {
		buf_release(&keep);
		return gt_oom(g);
	}
	p = mem_asprintf("%s%s", g->url, buf_cstr(&keep));
	buf_release(&keep);
	if (p == NULL)
		return gt_oom(g);
	mem_free(g->url);
	g->url = p;
	return ERR_OK;
}

/* The decoded path part of an http(s) URL. */
static int gt_url_path(struct gt *g)
{
	const char *p = strstr(g->url, "://") + 3;
	size_t n;
	p += strcspn(p, "/?#");
	n = strcspn(p, "?#");
	g->path = gt_unescape(p, n, false);
	return g->path ? ERR_OK : gt_oom(g);
}

static int gt_source(struct gt *g)
{
	const char *p = g->src, *sep = strstr(p, "::"), *sch = strstr(p, "://");
	if (sep != NULL && (sch == NULL || sep < sch)) {
		size_t n = (size_t)(sep - p);
		if (!((n == 4 && strncmp(p, "http", 4) == 0) ||
		      (n == 5 && strncmp(p, "https", 5) == 0) ||
		      (n == 4 && strncmp(p, "file", 4) == 0)))
			return gt_fail(g, ERR_UNSUPPORTED,
			               "getter \"%.*s\" is not supported",
			               (int)n, p);
		p = sep + 2;
	}
	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
		g->kind = GT_HTTP;
		if ((g->url = mem_strdup(p)) == NULL)
			return gt_oom(g);
		return gt_query(g) != ERR_OK ? g->e->code : gt_url_path(g);
	}
	bool escaped = strncmp(p, "file://", 7) == 0;
	if (escaped)
		p += 7;
	else if (p[0] != '/' && strstr(p, "://") != NULL)
		return gt_fail(g, ERR_UNSUPPORTED, "unsupported source scheme");
	if (p[0] != '/')
		return gt_fail(g, ERR_INVAL,
		               "source must be an http(s) URL or an absolute "
		               "path");
	g->kind = GT_FILE;
	if ((g->url = mem_strdup(p)) == NULL)
		return gt_oom(g);
	if (gt_query(g) != ERR_OK)
		return g->e->code;
	/* file:///a%20b is "/a b"; a plain path is taken as written. */
	g->path = escaped ? gt_unescape(g->url, strlen(g->url), false)
	                  : mem_strdup(g->url);
	if (g->path == NULL)
		return gt_oom(g);
	mem_free(g->url);
	g->url = mem_strdup(g->path);
	return g->url ? ERR_OK : gt_oom(g);
}

/* The file name of the source: the filename option, else the path's base
 * name. Empty when there is none (a URL ending in "/"). */
static int gt_name(struct gt *g)
{
	const char *base, *src = g->filename;
	size_t n;
	if (src == NULL || *src == '\0') {
		n = strlen(g->path);
		while (n > 0 && g->path[n - 1] == '/')
			n--;
		base = g->path + n;
		while (base > g->path && base[-1] != '/')
			base--;
		n = (size_t)(g->path + n - base);
	} else {
		base = src;
		n = strlen(src);
	}
	if (n > NAME_MAX || memchr(base, '/', n) != NULL ||
	    (n == 1 && base[0] == '.') ||
	    (n == 2 && strncmp(base, "..", 2) == 0))
		return gt_fail(g, ERR_INVAL, "invalid file name \"%.*s\"",
		               (int)(n > 64 ? 64 : n), base);
	memcpy(g->name, base, n);
	g->name[n] = '\0';
	return ERR_OK;
}

/* ---- options ------------------------------------------------------------ */

static int gt_archive(struct gt *g)
{
	const char *a = g->archive;
	size_t plen = strlen(g->path);
	g->arch = GT_ARCH_NONE;
	if (a != NULL && (strcmp(a, "false") == 0 || strcmp(a, "0") == 0))
		return ERR_OK;
	if (a != NULL && *a && strcmp(a, "true") != 0) {
		for (size_t i = 0; i < GT_NEXTS; i++)
			if (strcmp(a, gt_exts[i].ext) == 0) {
				g->arch = gt_exts[i].arch;
				return ERR_OK;
			}
		return gt_fail(g, ERR_INVAL,
		               "unsupported archive format \"%s\"", a);
	}
	for (size_t i = 0; i < GT_NEXTS; i++) {
		size_t n = strlen(gt_exts[i].ext);
		if (plen > n + 1 && g->path[plen - n - 1] == '.' &&
		    strcmp(g->path + plen - n, gt_exts[i].ext) == 0) {
			g->arch = gt_exts[i].arch;
			g->ext_len = n + 1;
			return ERR_OK;
		}
	}
	return ERR_OK;
}

static int gt_checksum(struct gt *g)
{
	static const struct {
		const char *name;
		size_t hexlen;
	} types[] = {
	    {"md5", 32}, {"sha1", 40}, {"sha256", 64}, {"sha512", 128}};
	const char *v = g->checksum, *colon, *hex;
	char type[16] = "";
	size_t n;
	if (v == NULL || *v == '\0')
		return ERR_OK;
	if (dl_crypto_load(g->e) != ERR_OK)
		return err_wrap(g->e, "checksums need libcrypto");
	colon = strchr(v, ':');
	hex = colon ? colon + 1 : v;
	n = strlen(hex);
	if (colon != NULL)
		snprintf(type, sizeof type, "%.*s", (int)(colon - v), v);
	for (size_t i = 0; i < 4 && !type[0]; i++)
		if (types[i].hexlen == n)
			snprintf(type, sizeof type, "%s", types[i].name);
	g->md = strcmp(type, "md5") == 0      ? EVP_md5()
	        : strcmp(type, "sha1") == 0   ? EVP_sha1()
	        : strcmp(type, "sha256") == 0 ? EVP_sha256()
	        : strcmp(type, "sha512") == 0 ? EVP_sha512()
	                                      : NULL;
	if (g->md == NULL)
		return gt_fail(g, ERR_INVAL, "unsupported checksum type \"%s\"",
		               type[0] ? type : v);
	if (n != (size_t)EVP_MD_get_size(g->md) * 2)
		return gt_fail(g, ERR_INVAL, "invalid %s checksum \"%s\"", type,
		               hex);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = gt_hexval((unsigned char)hex[2 * i]),
		    lo = gt_hexval((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return gt_fail(g, ERR_INVAL,
			               "invalid %s checksum "
			               "\"%s\"",
			               type, hex);
		g->want[i] = (unsigned char)(hi * 16 + lo);
	}
	g->want_len = (unsigned)(n / 2);
	return ERR_OK;
}

static int gt_mode(struct gt *g, const char *mode)
{
	if (mode == NULL || *mode == '\0' || strcmp(mode, "any") == 0)
		g->mode = GT_MODE_ANY;
	else if (strcmp(mode, "file") == 0)
		g->mode = GT_MODE_FILE;
	else if (strcmp(mode, "dir") == 0)
		g->mode = GT_MODE_DIR;
	else
		return gt_fail(g, ERR_INVAL,
		               "invalid mode \"%s\" (any, file or dir)", mode);
	return ERR_OK;
}

/* ---- interpolation ------------------------------------------------------ */

static int gt_interp(struct gt *g, const struct taskenv *env, const char *in,
                     bool host, char **out)
{
	if (in == NULL) {
		*out = NULL;
		return ERR_OK;
	}
	if (env == NULL) {
		*out = mem_strdup(in);
		return *out ? ERR_OK : gt_oom(g);
	}
	return host ? taskenv_interpolate_host(env, in, out, g->e)
	            : taskenv_interpolate(env, in, out, g->e);
}

static int gt_inputs(struct gt *g, const struct task_artifact *a,
                     const struct taskenv *env)
{
	const struct strmap *o = &a->getter_options;
	int rc = gt_interp(g, env, a->getter_source, false, &g->src);
	if (rc == ERR_OK)
		rc = gt_interp(g, env, a->relative_dest, true, &g->dest);
	if (rc == ERR_OK)
		rc = gt_interp(g, env, strmap_get(o, "checksum"), false,
		               &g->checksum);
	if (rc == ERR_OK)
		rc = gt_interp(g, env, strmap_get(o, "archive"), false,
		               &g->archive);
	if (rc == ERR_OK)
		rc = gt_interp(g, env, strmap_get(o, "filename"), false,
		               &g->filename);
	for (size_t i = 0; rc == ERR_OK && i < a->getter_headers.n; i++) {
		char *v;
		rc = gt_interp(g, env, a->getter_headers.v[i].val, false, &v);
		if (rc == ERR_OK &&
		    strmap_set(&g->headers, a->getter_headers.v[i].key, v) != 0)
			rc = gt_oom(g);
		mem_free(v);
	}
	g->insecure = a->getter_insecure;
	if (rc == ERR_OK && (g->src == NULL || *g->src == '\0'))
		rc = gt_fail(g, ERR_INVAL, "missing source");
	return rc;
}

/* ---- destination -------------------------------------------------------- */

/* Lexically cleans an absolute path ("/a/./b/../c" -> "/a/c"). */
static void gt_clean_abs(const char *in, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = in; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			len = len > 0 ? len - 1 : 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.') &&
		           len + n + 2 < size) {
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		out[len] = '\0';
		p += n;
		p += *p == '/';
	}
	if (len == 0)
		snprintf(out, size, "/");
}

/* The part of path under root ("" for root itself), or NULL. */
static const char *gt_under(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (strcmp(root, "/") == 0)
		return path + 1;
	if (strncmp(path, root, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path[n] == '/' ? path + n + 1 : path + n;
}

static bool gt_is_link(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISLNK(st.st_mode);
}

/* Opens (making them as needed) the directories of rel under rootfd,
 * never following a symlink. Consumes rootfd. */
static int gt_walk(struct gt *g, int rootfd, const char *rel, int *out)
{
	int fd = rootfd;
	for (const char *p = rel; *p;) {
		char comp[NAME_MAX + 1];
		size_t n = strcspn(p, "/");
		int nfd;
		if (n > NAME_MAX) {
			close(fd);
			return gt_fail(g, ERR_INVAL,
			               "destination name too long");
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
			close(fd);
			return gt_fail(g, ERR_IO,
			               "create destination \"%s\": %s", comp,
			               strerror(errno));
		}
		nfd = openat(fd, comp,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int err = errno;
			bool link = gt_is_link(fd, comp);
			close(fd);
			return gt_fail(g, link ? ERR_DENIED : ERR_IO,
			               "destination \"%s\": %s", comp,
			               link ? "is a symlink" : strerror(err));
		}
		close(fd);
		fd = nfd;
		p += n;
		p += *p == '/';
	}
	*out = fd;
	return ERR_OK;
}

static int gt_dest(struct gt *g, const char *task_dir,
                   const struct taskenv *env)
{
	char full[PATH_MAX], troot[PATH_MAX], aroot[PATH_MAX], joined[PATH_MAX];
	char def[NAME_MAX + 16];
	const char *d = g->dest, *rel, *root = troot;
	char *slash;
	int rootfd;
	snprintf(def, sizeof def, "local/%s",
	         g->mode == GT_MODE_FILE ? g->name : "");
	if (d == NULL || *d == '\0')
		d = def;
	gt_clean_abs(task_dir, troot, sizeof troot);
	if (env != NULL && env->alloc_dir != NULL) {
		gt_clean_abs(env->alloc_dir, aroot, sizeof aroot);
	} else {
		/* <alloc_dir>/<task> -> <alloc_dir>/alloc */
		char *up;
		memcpy(aroot, troot, sizeof aroot);
		up = strrchr(aroot, '/');
		if (up != NULL && (size_t)(up - aroot) + 7 <= sizeof aroot)
			memcpy(up, "/alloc", 7);
	}
	if (snprintf(joined, sizeof joined, "%s/%s", d[0] == '/' ? "" : troot,
	             d) >= (int)sizeof joined)
		return gt_fail(g, ERR_INVAL, "destination too long");
	gt_clean_abs(joined, full, sizeof full);
	rel = gt_under(full, troot);
	if (rel == NULL && (rel = gt_under(full, aroot)) != NULL)
		root = aroot;
	if (rel == NULL)
		return gt_fail(g, ERR_DENIED,
		               "destination \"%s\" escapes the task directory",
		               d);
	slash = strrchr(full, '/');
	if (g->mode == GT_MODE_FILE) {
		if (*rel == '\0')
			return gt_fail(
			    g, ERR_INVAL,
			    "mode \"file\" needs a file destination");
		snprintf(g->leaf, sizeof g->leaf, "%s", slash + 1);
		*slash = '\0';
		rel = gt_under(full, root);
		if (rel == NULL)
			rel = "";
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return gt_fail(g, ERR_IO, "open %s: %s", root, strerror(errno));
	return gt_walk(g, rootfd, rel, &g->dirfd);
}

/* ---- fetching into the temporary file ----------------------------------- */

static int gt_sink_write(struct gt_sink *s, const void *p, size_t n)
{
	const char *c = p;
	if (s->bytes + n > GETTER_MAX_BYTES) {
		s->too_big = true;
		return -1;
	}
	if (s->md != NULL && EVP_DigestUpdate(s->md, p, n) != 1) {
		s->werr = EIO;
		return -1;
	}
	for (size_t done = 0; done < n;) {
		ssize_t w = write(s->fd, c + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->werr = w < 0 ? errno : EIO;
			return -1;
		}
		done += (size_t)w;
	}
	s->bytes += n;
	return 0;
}

static size_t gt_curl_write(char *p, size_t size, size_t n, void *data)
{
	return gt_sink_write(data, p, size * n) == 0 ? size * n : 0;
}

static pthread_once_t gt_curl_once = PTHREAD_ONCE_INIT;

static void gt_curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static struct curl_slist *gt_headers(struct gt *g)
{
	struct curl_slist *l = NULL, *n;
	for (size_t i = 0; i < g->headers.n; i++) {
		char *h = mem_asprintf("%s: %s", g->headers.v[i].key,
		                       g->headers.v[i].val);
		n = h ? curl_slist_append(l, h) : NULL;
		mem_free(h);
		if (n == NULL) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = n;
	}
	return l;
}

static void gt_curl_opts(struct gt *g, CURL *h, struct gt_sink *s,
                         struct curl_slist *hdrs, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, g->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
	                 (long)GETTER_READ_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	                 (curl_off_t)GETTER_MAX_BYTES);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "steppe/" STEPPE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, gt_curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (hdrs != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (g->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static int gt_http(struct gt *g, struct gt_sink *s)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	long status = 0;
	CURLcode cc;
	CURL *h;
	if (dl_curl_load(g->e) != ERR_OK)
		return err_wrap(g->e, "http artifacts need libcurl");
	pthread_once(&gt_curl_once, gt_curl_init);
	h = curl_easy_init();
	if (h == NULL || (g->headers.n > 0 && (hdrs = gt_headers(g)) == NULL)) {
		curl_easy_cleanup(h);
		return gt_oom(g);
	}
	gt_curl_opts(g, h, s, hdrs, errbuf);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (s->too_big || cc == CURLE_FILESIZE_EXCEEDED)
		return gt_fail(g, ERR_TOOBIG, "larger than %llu bytes",
		               (unsigned long long)GETTER_MAX_BYTES);
	if (cc == CURLE_WRITE_ERROR && s->werr != 0)
		return gt_fail(g, ERR_IO, "write: %s", strerror(s->werr));
	if (cc != CURLE_OK)
		return gt_fail(g, ERR_IO, "%s",
		               errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (status >= 400)
		return gt_fail(g, ERR_IO, "bad response code: %ld", status);
	return ERR_OK;
}

/* Copies the open file fd into the sink. */
static int gt_copy_fd(struct gt *g, int fd, struct gt_sink *s)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gt_fail(g, ERR_IO, "read: %s", strerror(errno));
		if (n == 0)
			return ERR_OK;
		if (gt_sink_write(s, buf, (size_t)n) != 0)
			return s->too_big
			           ? gt_fail(
			                 g, ERR_TOOBIG,
			                 "larger than %llu bytes",
			                 (unsigned long long)GETTER_MAX_BYTES)
			           : gt_fail(g, ERR_IO, "write: %s",
			                     strerror(s->werr));
	}
}

static int gt_tmp_open(struct gt *g)
{
	char id[ID_LEN + 1];
	int fd;
	if (id_new(id) != 0)
		return gt_fail(g, ERR_IO, "no randomness for a temporary name");
	snprintf(g->tmp, sizeof g->tmp, ".steppe-artifact-%.8s", id);
	fd = openat(g->dirfd, g->tmp,
	            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		g->tmp[0] = '\0';
		gt_fail(g, ERR_IO, "create temporary file: %s",
		        strerror(errno));
	}
	return fd;
}

static int gt_hex(const unsigned char *b, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
	return 0;
}

static int gt_verify(struct gt *g, EVP_MD_CTX *md)
{
	unsigned char got[EVP_MAX_MD_SIZE];
	char hexw[EVP_MAX_MD_SIZE * 2 + 1], hexg[EVP_MAX_MD_SIZE * 2 + 1];
	unsigned n = 0;
	if (md == NULL)
		return ERR_OK;
	if (EVP_DigestFinal_ex(md, got, &n) != 1)
		return gt_fail(g, ERR_IO, "checksum: digest failed");
	if (n == g->want_len && memcmp(got, g->want, n) == 0)
		return ERR_OK;
	gt_hex(g->want, g->want_len, hexw);
	gt_hex(got, n, hexg);
	return gt_fail(g, ERR_IO, "checksum mismatch: expected %s, got %s",
	               hexw, hexg);
}

/* Downloads (or copies) the source into the temporary file; returns its
 * fd rewound, or -1 with g->e set. */
static int gt_download(struct gt *g, int srcfd)
{
	struct gt_sink s = {.fd = -1};
	int rc;
	s.fd = gt_tmp_open(g);
	if (s.fd < 0)
		return -1;
	if (g->md != NULL && ((s.md = EVP_MD_CTX_new()) == NULL ||
	                      EVP_DigestInit_ex(s.md, g->md, NULL) != 1)) {
		rc = gt_oom(g);
		goto fail;
	}
	rc = g->kind == GT_HTTP ? gt_http(g, &s) : gt_copy_fd(g, srcfd, &s);
	if (rc == ERR_OK)
		rc = gt_verify(g, s.md);
	if (rc == ERR_OK && lseek(s.fd, 0, SEEK_SET) != 0)
		rc = gt_fail(g, ERR_IO, "rewind: %s", strerror(errno));
	EVP_MD_CTX_free(s.md);
	s.md = NULL;
	if (rc == ERR_OK)
		return s.fd;
fail:
	EVP_MD_CTX_free(s.md);
	close(s.fd);
	return -1;
}

/* ---- unpacking ---------------------------------------------------------- */

/* An archive entry name made relative and clean ("./a//b/" -> "a/b");
 * -1 for an absolute name or one with "..". */
static int gt_entry_name(const char *in, char *out, size_t size)
{
	size_t len = 0;
	if (in == NULL || in[0] == '/')
		return -1;
	out[0] = '\0';
	for (const char *p = in; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (len + n + 2 > size)
				return -1;
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
		}
		p += n;
		p += *p == '/';
	}
	return 0;
}

/* The directory of entry name rel (made as needed) and its last part. */
static int gt_entry_parent(struct gt *g, char *rel, bool create, int *pfd,
                           const char **leaf)
{
	char *slash = strrchr(rel, '/');
	int fd = dup(g->dirfd);
	if (fd < 0)
		return gt_fail(g, ERR_IO, "dup: %s", strerror(errno));
	*leaf = rel;
	if (slash == NULL) {
		*pfd = fd;
		return ERR_OK;
	}
	*slash = '\0';
	*leaf = slash + 1;
	for (char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		char save = p[n];
		int nfd;
		p[n] = '\0';
		bool link = false;
		int err = 0;
		if (create && mkdirat(fd, p, 0755) != 0 && errno != EEXIST)
			nfd = -1;
		else
			nfd = openat(fd, p,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                 O_CLOEXEC);
		if (nfd < 0) {
			err = errno;
			link = gt_is_link(fd, p);
		}
		close(fd);
		p[n] = save;
		if (nfd < 0) {
			*slash = '/';
			return gt_fail(
			    g, ERR_DENIED, "archive entry \"%s\": %s", rel,
			    link ? "goes through a symlink" : strerror(err));
		}
		fd = nfd;
		p += n;
		p += *p == '/';
	}
	*slash = '/';
	*pfd = fd;
	return ERR_OK;
}

/* Writes the current entry's data to fd (sparse blocks at their
 * offsets), counting bytes against the limit. */
static int gt_entry_data(struct gt *g, struct archive *r, int fd, int64_t size)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	int rc;
	while ((rc = archive_read_data_block(r, &buf, &n, &off)) ==
	       ARCHIVE_OK) {
		g->bytes += n;
		if (g->bytes > GETTER_MAX_BYTES)
			return gt_fail(g, ERR_TOOBIG,
			               "unpacked size over %llu bytes",
			               (unsigned long long)GETTER_MAX_BYTES);
		for (size_t done = 0; done < n;) {
			ssize_t w = pwrite(fd, (const char *)buf + done,
			                   n - done, (off_t)off + (off_t)done);
			if (w <= 0)
				return gt_fail(g, ERR_IO, "write: %s",
				               strerror(w < 0 ? errno : EIO));
			done += (size_t)w;
		}
	}
	if (rc != ARCHIVE_EOF)
		return gt_fail(g, ERR_IO, "unpack: %s",
		               archive_error_string(r));
	if (size > 0 && ftruncate(fd, (off_t)size) != 0)
		return gt_fail(g, ERR_IO, "write: %s", strerror(errno));
	return ERR_OK;
}

/* Creates the regular file leaf in pfd (replacing whatever is there,
 * without following it) and fills it from the archive. */
static int gt_entry_file(struct gt *g, struct archive *r,
                         struct archive_entry *ent, int pfd, const char *leaf)
{
	mode_t mode = archive_entry_perm(ent) & 0777;
	struct timespec ts[2];
	int fd, rc;
	unlinkat(pfd, leaf, 0);
	fd = openat(pfd, leaf,
	            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	            mode ? mode : 0644);
	if (fd < 0)
		return gt_fail(g, ERR_IO, "create \"%s\": %s", leaf,
		               strerror(errno));
	rc = gt_entry_data(g, r, fd, archive_entry_size(ent));
	if (rc == ERR_OK && archive_entry_mtime_is_set(ent)) {
		ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(ent);
		ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
		(void)futimens(fd, ts);
	}
	close(fd);
	return rc;
}

static int gt_entry_link(struct gt *g, struct archive_entry *ent, int pfd,
                         const char *leaf)
{
	const char *hard = archive_entry_hardlink(ent);
	if (hard == NULL) {
		unlinkat(pfd, leaf, 0);
		if (symlinkat(archive_entry_symlink(ent), pfd, leaf) != 0)
			return gt_fail(g, ERR_IO, "symlink \"%s\": %s", leaf,
			               strerror(errno));
		return ERR_OK;
	}
	{
		char target[PATH_MAX];
		const char *tleaf;
		int tfd, rc;
		if (gt_entry_name(hard, target, sizeof target) != 0)
			return gt_fail(
			    g, ERR_DENIED,
			    "archive entry \"%s\": link target outside "
			    "the destination",
			    leaf);
		rc = gt_entry_parent(g, target, false, &tfd, &tleaf);
		if (rc != ERR_OK)
			return rc;
		unlinkat(pfd, leaf, 0);
		rc = linkat(tfd, tleaf, pfd, leaf, 0) == 0
		         ? ERR_OK
		         : gt_fail(g, ERR_IO, "link \"%s\": %s", leaf,
		                   strerror(errno));
		close(tfd);
		return rc;
	}
}

static int gt_entry(struct gt *g, struct archive *r, struct archive_entry *ent)
{
	char rel[PATH_MAX];
	const char *leaf;
	mode_t type = archive_entry_filetype(ent);
	bool hard = archive_entry_hardlink(ent) != NULL;
	int pfd, rc;
	if (gt_entry_name(archive_entry_pathname(ent), rel, sizeof rel) != 0)
		return gt_fail(
		    g, ERR_DENIED,
		    "archive entry \"%s\" is outside the destination",
		    archive_entry_pathname(ent));
	if (rel[0] == '\0' ||
	    !(hard || type == AE_IFREG || type == AE_IFDIR || type == AE_IFLNK))
		return ERR_OK; /* the root itself, devices, FIFOs, sockets */
	if (++g->files > GETTER_MAX_FILES)
		return gt_fail(g, ERR_TOOBIG,
		               "archive has more than %d entries",
		               GETTER_MAX_FILES);
	rc = gt_entry_parent(g, rel, true, &pfd, &leaf);
	if (rc != ERR_OK)
		return rc;
	if (hard || type == AE_IFLNK)
		rc = gt_entry_link(g, ent, pfd, leaf);
	else if (type == AE_IFREG)
		rc = gt_entry_file(g, r, ent, pfd, leaf);
	else if (mkdirat(pfd, leaf, (archive_entry_perm(ent) & 0777) | 0700) !=
	             0 &&
	         errno != EEXIST)
		rc = gt_fail(g, ERR_IO, "create \"%s\": %s", rel,
		             strerror(errno));
	close(pfd);
	return rc;
}

static struct archive *gt_reader(struct gt *g, int fd)
{
	struct archive *r;
	if (dl_archive_load(g->e) != ERR_OK) {
		err_wrap(g->e, "unpacking needs libarchive");
		return NULL;
	}
	r = archive_read_new();
	if (r == NULL)
		return NULL;
	archive_read_support_filter_all(r);
	if (g->arch == GT_ARCH_SINGLE)
		archive_read_support_format_raw(r);
	else if (g->arch == GT_ARCH_ZIP)
		archive_read_support_format_zip(r);
	else
		archive_read_support_format_tar(r);
	if (archive_read_open_fd(r, fd, 65536) != ARCHIVE_OK) {
		gt_fail(g, ERR_IO, "unpack: %s", archive_error_string(r));
		archive_read_free(r);
		return NULL;
	}
	return r;
}

/* Unpacks a tar or zip archive into the destination directory. */
static int gt_unpack_dir(struct gt *g, int fd)
{
	struct archive *r = gt_reader(g, fd);
	struct archive_entry *ent;
	int rc = ERR_OK, ar;
	if (r == NULL)
		return g->e->code ? g->e->code : gt_oom(g);
	while (rc == ERR_OK &&
	       (ar = archive_read_next_header(r, &ent)) == ARCHIVE_OK)
		rc = gt_entry(g, r, ent);
	if (rc == ERR_OK && ar != ARCHIVE_EOF)
		rc = gt_fail(g, ERR_IO, "unpack: %s", archive_error_string(r));
	archive_read_free(r);
	return rc;
}

/* Writes the only file of the archive (or the decompressed stream) to
 * name in the destination directory, through a temporary name. */
static int gt_unpack_one(struct gt *g, int fd, const char *name)
{
	struct archive *r = gt_reader(g, fd);
	struct archive_entry *ent;
	char part[NAME_MAX + 16];
	int rc = ERR_OK, ar, out = -1;
	if (r == NULL)
		return g->e->code ? g->e->code : gt_oom(g);
	snprintf(part, sizeof part, "%s.part", g->tmp);
	while (rc == ERR_OK &&
	       (ar = archive_read_next_header(r, &ent)) == ARCHIVE_OK) {
		if (archive_entry_filetype(ent) != AE_IFREG &&
		    g->arch != GT_ARCH_SINGLE)
			continue;
		if (out >= 0) {
			rc = gt_fail(
			    g, ERR_INVAL,
			    "mode \"file\": the archive holds more than "
			    "one file");
			break;
		}
		out = openat(g->dirfd, part,
		             O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		                 O_CLOEXEC,
		             0644);
		rc = out < 0 ? gt_fail(g, ERR_IO, "create: %s", strerror(errno))
		             : gt_entry_data(g, r, out, 0);
	}
	if (rc == ERR_OK && ar != ARCHIVE_EOF)
		rc = gt_fail(g, ERR_IO, "unpack: %s", archive_error_string(r));
	if (rc == ERR_OK && out < 0)
		rc = gt_fail(g, ERR_INVAL, "the archive holds no file");
	if (out >= 0)
		close(out);
	if (rc == ERR_OK && renameat(g->dirfd, part, g->dirfd, name) != 0)
		rc = gt_fail(g, ERR_IO, "rename to \"%s\": %s", name,
		             strerror(errno));
	if (rc != ERR_OK)
		unlinkat(g->dirfd, part, 0);
	archive_read_free(r);
	return rc;
}

/* ---- copying a directory source ----------------------------------------- */

static int gt_copy_tree(struct gt *g, int sfd, int dfd, int depth);

static int gt_copy_entry(struct gt *g, int sfd, int dfd, const char *name,
                         int depth)
{
	struct stat st;
	int s, d, rc;
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return gt_fail(g, ERR_IO, "stat \"%s\": %s", name,
		               strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) &&
	    !S_ISLNK(st.st_mode))
		return ERR_OK;
	if (++g->files > GETTER_MAX_FILES)
		return gt_fail(g, ERR_TOOBIG, "more than %d files",
		               GETTER_MAX_FILES);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);
		if (n < 0)
			return gt_fail(g, ERR_IO, "readlink \"%s\": %s", name,
			               strerror(errno));
		target[n] = '\0';
		unlinkat(dfd, name, 0);
		return symlinkat(target, dfd, name) == 0
		           ? ERR_OK
		           : gt_fail(g, ERR_IO, "symlink \"%s\": %s", name,
		                     strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth > 64)
			return gt_fail(g, ERR_INVAL, "source tree too deep");
		if (mkdirat(dfd, name, (st.st_mode & 0777) | 0700) != 0 &&
		    errno != EEXIST)
			return gt_fail(g, ERR_IO, "create \"%s\": %s", name,
			               strerror(errno));
		s = openat(sfd, name,
		           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dfd, name,
		           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = s < 0 || d < 0 ? gt_fail(g, ERR_IO, "open \"%s\": %s",
		                              name, strerror(errno))
		                    : gt_copy_tree(g, s, d, depth + 1);
	} else {
		struct gt_sink sink = {.fd = -1};
		unlinkat(dfd, name, 0);
		s = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dfd, name,
		           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		           st.st_mode & 0777);
		sink.fd = d;
		sink.bytes = g->bytes;
		rc = s < 0 || d < 0 ? gt_fail(g, ERR_IO, "copy \"%s\": %s",
		                              name, strerror(errno))
		                    : gt_copy_fd(g, s, &sink);
		g->bytes = sink.bytes;
	}
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return rc;
}

static int gt_copy_tree(struct gt *g, int sfd, int dfd, int depth)
{
	int dup_fd = dup(sfd);
	DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	int rc = ERR_OK;
	if (dir == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return gt_fail(g, ERR_IO, "read directory: %s",
		               strerror(errno));
	}
	while (rc == ERR_OK && (de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rc = gt_copy_entry(g, sfd, dfd, de->d_name, depth);
	closedir(dir);
	return rc;
}

/* ---- putting it in place ------------------------------------------------ */

/* The name a single compressed file gets: its name without the
 * extension ("app.gz" -> "app"). */
static void gt_stripped_name(const struct gt *g, char *out, size_t size)
{
	size_t n = strlen(g->name);
	if (g->filename == NULL && g->ext_len > 0 && n > g->ext_len)
		n -= g->ext_len;
	snprintf(out, size, "%.*s", (int)n, g->name);
}

static int gt_place(struct gt *g, int fd)
{
	char name[NAME_MAX + 1];
	if (g->arch == GT_ARCH_NONE) {
		if (g->mode == GT_MODE_DIR)
			return gt_fail(g, ERR_INVAL,
			               "mode \"dir\" needs an archive or a "
			               "directory");
		snprintf(name, sizeof name, "%s",
		         g->mode == GT_MODE_FILE ? g->leaf : g->name);
		if (name[0] == '\0')
			return gt_fail(g, ERR_INVAL,
			               "no file name in the source; set "
			               "options { filename = ... }");
		if (renameat(g->dirfd, g->tmp, g->dirfd, name) != 0)
			return gt_fail(g, ERR_IO, "rename to \"%s\": %s", name,
			               strerror(errno));
		g->tmp[0] = '\0';
		return ERR_OK;
	}
	if (g->mode == GT_MODE_FILE)
		return gt_unpack_one(g, fd, g->leaf);
	if (g->arch != GT_ARCH_SINGLE)
		return gt_unpack_dir(g, fd);
	gt_stripped_name(g, name, sizeof name);
	if (name[0] == '\0')
		snprintf(name, sizeof name, "file");
	return gt_unpack_one(g, fd, name);
}

/* A file source that is a directory: copied into the destination. */
static int gt_copy_dir(struct gt *g, int srcfd)
{
	if (g->mode == GT_MODE_FILE)
		return gt_fail(g, ERR_INVAL,
		               "the source is a directory; mode \"file\" needs "
		               "a file");
	if (g->md != NULL)
		return gt_fail(g, ERR_INVAL,
		               "a checksum needs a file, not a directory");
	return gt_copy_tree(g, srcfd, g->dirfd, 0);
}

static int gt_open_source(struct gt *g, bool *is_dir)
{
	struct stat st;
	int fd = open(g->url, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		gt_fail(g, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s",
		        strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		gt_fail(g, ERR_IO, "stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*is_dir = S_ISDIR(st.st_mode);
	return fd;
}

static int gt_run(struct gt *g, const struct task_artifact *a,
                  const struct taskenv *env, const char *task_dir)
{
	bool is_dir = false;
	int srcfd = -1, fd, rc;
	rc = gt_mode(g, a->getter_mode);
	if (rc == ERR_OK)
		rc = gt_inputs(g, a, env);
	if (rc == ERR_OK)
		rc = gt_source(g);
	if (rc == ERR_OK)
		rc = gt_name(g);
	if (rc == ERR_OK)
		rc = gt_archive(g);
	if (rc == ERR_OK)
		rc = gt_checksum(g);
	if (rc == ERR_OK && g->kind == GT_FILE &&
	    (srcfd = gt_open_source(g, &is_dir)) < 0)
		rc = g->e->code;
	if (rc == ERR_OK)
		rc = gt_dest(g, task_dir, env);
	if (rc == ERR_OK && is_dir)
		rc = gt_copy_dir(g, srcfd);
	else if (rc == ERR_OK && (fd = gt_download(g, srcfd)) >= 0) {
		rc = gt_place(g, fd);
		close(fd);
	} else if (rc == ERR_OK) {
		rc = g->e->code ? g->e->code : ERR_IO;
	}
	if (srcfd >= 0)
		close(srcfd);
	return rc;
}

int getter_fetch(const struct task_artifact *a, const struct taskenv *env,
                 const char *task_dir, struct err *e)
{
	struct err local;
	struct gt g = {.dirfd = -1, .e = e ? e : &local};
	char shown[512];
	int rc;
	e = g.e;
	err_clear(e);
	rc = gt_run(&g, a, env, task_dir);
	if (g.dirfd >= 0) {
		if (g.tmp[0])
			unlinkat(g.dirfd, g.tmp, 0);
		close(g.dirfd);
	}
	if (rc != ERR_OK) {
		getter_redact(g.src ? g.src : a->getter_source, shown,
		              sizeof shown);
		err_wrap(e, "artifact \"%s\"", shown);
	}
	mem_free(g.src);
	mem_free(g.url);
	mem_free(g.path);
	mem_free(g.dest);
	mem_free(g.checksum);
	mem_free(g.archive);
	mem_free(g.filename);
	strmap_release(&g.headers);
	return rc;
}
