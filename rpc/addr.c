/* rpc/addr.c: "ip:port" strings to socket addresses and back. Numeric
 * addresses only: names are resolved by whoever reads the configuration. */
#include <stdio.h>
#include <string.h>

#include "rpc/rpc_int.h"

#define ADDR_HOST_MAX 64

/* Digits only, 0..65535. */
static int parse_port(const char *s, int *out)
{
	long v = 0;
	if (*s == '\0')
		return ERR_INVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return ERR_INVAL;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return ERR_INVAL;
	}
	*out = (int)v;
	return ERR_OK;
}

/* Splits addr into host (copied) and port text (pointer into addr, NULL
 * when absent). */
static int split_addr(const char *addr, char *host, const char **port)
{
	const char *end, *colon = strchr(addr, ':');
	*port = NULL;
	if (addr[0] == '[') {
		end = strchr(addr, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return ERR_INVAL;
		if (end[1] == ':')
			*port = end + 2;
		addr++;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		end = colon; /* ip4:port */
		*port = colon + 1;
	} else {
		end = addr + strlen(addr); /* ip4, or a bare ip6 */
	}
	if (end == addr || (size_t)(end - addr) >= ADDR_HOST_MAX)
		return ERR_INVAL;
	memcpy(host, addr, (size_t)(end - addr));
	host[end - addr] = '\0';
	return ERR_OK;
}

int rpc_parse_addr(const char *addr, int default_port,
                   struct sockaddr_storage *out)
{
	char host[ADDR_HOST_MAX];
	const char *port_s;
	int port = default_port;
	memset(out, 0, sizeof *out);
	if (addr == NULL || split_addr(addr, host, &port_s) != ERR_OK)
		return ERR_INVAL;
	if (port_s != NULL && parse_port(port_s, &port) != ERR_OK)
		return ERR_INVAL;
	if (strchr(host, ':') == NULL) {
		if (uv_ip4_addr(host, port, (struct sockaddr_in *)out) != 0)
			return ERR_INVAL;
	} else if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)out) != 0) {
		return ERR_INVAL;
	}
	return ERR_OK;
}

void rpc_addr_name(const struct sockaddr *sa, char *out, size_t size)
{
	char ip[ADDR_HOST_MAX] = "";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		uv_ip4_name(in, ip, sizeof ip);
		snprintf(out, size, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)sa;
		uv_ip6_name(in6, ip, sizeof ip);
		snprintf(out, size, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(out, size, "?");
	}
}

void rpc_peer_name(const uv_tcp_t *tcp, char *out, size_t size)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0) {
		snprintf(out, size, "?");
		return;
	}
	rpc_addr_name((const struct sockaddr *)&ss, out, size);
}

static bool addr_unspecified(const struct sockaddr_storage *ss)
{
	static const unsigned char zero[16];
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero,
	              sizeof zero) == 0;
}

static bool addr_same_ip(const struct sockaddr_storage *a,
                         const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

bool rpc_addr_same_host(const char *a, const char *b)
{
	struct sockaddr_storage sa, sb;
	if (rpc_parse_addr(a, 0, &sa) != ERR_OK ||
	    rpc_parse_addr(b, 0, &sb) != ERR_OK)
		return false;
	if (addr_unspecified(&sa) || addr_unspecified(&sb))
		return true;
	return addr_same_ip(&sa, &sb);
}

int rpc_addr_source(const char *addr, struct sockaddr_storage *out)
{
	if (rpc_parse_addr(addr, 0, out) != ERR_OK)
		return ERR_INVAL;
	return addr_unspecified(out) ? ERR_NOTFOUND : ERR_OK;
}
