/* tests/e2e/tools/rpcpoke.c: calls one server RPC method the way any RPC
 * client does (rpc/ pool, msgpack envelope) and prints what came back.
 * The e2e tests drive every method with every kind of token through it
 * (tests/e2e/acl_rpc.sh); built by `make tools` as $(BUILD)/rpcpoke.
 *
 * Usage:
 *   rpcpoke -methods
 *       every method a server registers and its ACL rule, one
 *       "Method<TAB>rule" line each (server_each_method)
 *   rpcpoke [-region R] [-namespace NS] [-stale] ADDR METHOD [ARGS_JSON]
 *       ADDR "ip:port" of a server's RPC port; ARGS_JSON the method's
 *       Args as JSON (Nomad's field names), none when left out
 *
 * The token is read from the environment, STEPPE_RPC_TOKEN (never from
 * the command line, where ps would show it); unset or empty: no token.
 *
 * Output and exit status:
 *   0  the server replied: the Reply as JSON on stdout (binary fields as
 *      hex strings)
 *   1  the server answered with an error: "error: <text>" on stdout
 *   2  no answer: connection failure or timeout (stderr says which)
 *   3  usage or bad ARGS_JSON */
#include <jansson.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/err.h"
#include "rpc/rpc.h"
#include "server/server.h"
#include "structs/schema.h"
#include "structs/value.h"

#define POKE_TIMEOUT_MS 15000

struct poke {
	int done;
	int status; /* exit status */
};

static void print_method(void *data, const char *method, const char *rule)
{
	(void)data;
	printf("%s\t%s\n", method, rule);
}

/* ---- msgpack -> JSON (binary as hex: hashes are not UTF-8) -------------- */

static json_t *poke_json(const msgpack_object *o);

static json_t *poke_json_str(const char *p, size_t n, bool hex)
{
	static const char digits[] = "0123456789abcdef";
	char *buf = malloc(hex ? 2 * n + 1 : n + 1);
	json_t *j;
	if (buf == NULL)
		return NULL;
	for (size_t i = 0; hex && i < n; i++) {
		buf[2 * i] = digits[(unsigned char)p[i] >> 4];
		buf[2 * i + 1] = digits[(unsigned char)p[i] & 15];
	}
	if (!hex)
		memcpy(buf, p, n);
	buf[hex ? 2 * n : n] = '\0';
	j = hex ? json_string(buf) : json_stringn(p, n);
	free(buf);
	return j != NULL ? j : json_string("<not utf-8>");
}

static json_t *poke_json_map(const msgpack_object *o)
{
	json_t *m = json_object();
	for (uint32_t i = 0; m != NULL && i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		char key[256];
		size_t n = kv->key.type == MSGPACK_OBJECT_STR
		               ? kv->key.via.str.size
		               : 0;
		if (n >= sizeof key)
			n = sizeof key - 1;
		memcpy(key, kv->key.via.str.ptr, n);
		key[n] = '\0';
		json_object_set_new(m, key, poke_json(&kv->val));
	}
	return m;
}

static json_t *poke_json(const msgpack_object *o)
{
	json_t *a;
	switch (o->type) {
	case MSGPACK_OBJECT_BOOLEAN: return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer(o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return poke_json_str(o->via.str.ptr, o->via.str.size, false);
	case MSGPACK_OBJECT_BIN:
		return poke_json_str(o->via.bin.ptr, o->via.bin.size, true);
	case MSGPACK_OBJECT_ARRAY:
		a = json_array();
		for (uint32_t i = 0; a != NULL && i < o->via.array.size; i++)
			json_array_append_new(a,
			                      poke_json(&o->via.array.ptr[i]));
		return a;
	case MSGPACK_OBJECT_MAP: return poke_json_map(o);
	default: return json_null();
	}
}

/* ---- the call -------------------------------------------------------------
 */

static void poke_replied(void *data, int status, const char *error,
                         const msgpack_object *reply,
                         const struct rpc_meta *meta)
{
	struct poke *p = data;
	(void)meta;
	p->done = 1;
	if (status != ERR_OK) {
		fprintf(stderr, "rpcpoke: %s\n",
		        error != NULL ? error : err_str(status));
		p->status = 2;
	} else if (error != NULL) {
		printf("error: %s\n", error);
		p->status = 1;
	} else {
		json_t *j = reply != NULL ? poke_json(reply) : json_null();
		char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%s\n", text != NULL ? text : "null");
		free(text);
		json_decref(j);
		p->status = 0;
	}
}

static void poke_stopped(void *data)
{
	*(int *)data = 1;
}

/* Packs ARGS_JSON into sb and unpacks it as the object to send. */
static int poke_args(const char *text, msgpack_sbuffer *sb, msgpack_zone *z,
                     msgpack_object *out)
{
	struct value v = {0};
	struct err e;
	json_error_t je;
	msgpack_packer pk;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	err_clear(&e);
	if (j == NULL) {
		fprintf(stderr, "rpcpoke: ARGS_JSON: %s (line %d)\n", je.text,
		        je.line);
		return 3;
	}
	if (value_from_json(&v, j, "Args", &e) != ERR_OK) {
		fprintf(stderr, "rpcpoke: %s\n", e.msg);
		json_decref(j);
		return 3;
	}
	json_decref(j);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	value_msgpack_pack(&v, &pk);
	value_release(&v);
	if (msgpack_unpack(sb->data, sb->size, NULL, z, out) !=
	    MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "rpcpoke: ARGS_JSON does not pack\n");
		return 3;
	}
	return 0;
}

static int poke_call(const char *addr, struct rpc_request *req,
                     const msgpack_object *args)
{
	uv_loop_t loop;
	struct rpc_pool *pool;
	struct poke p = {0};
	int stopped = 0;
	uv_loop_init(&loop);
	if (rpc_pool_create(&loop, &pool) != ERR_OK)
		return 2;
	if (rpc_pool_call(pool, addr, req, NULL, args, POKE_TIMEOUT_MS,
	                  poke_replied, &p) != ERR_OK) {
		fprintf(stderr, "rpcpoke: cannot call %s\n", addr);
		p.status = 2;
		p.done = 1;
	}
	while (!p.done)
		uv_run(&loop, UV_RUN_ONCE);
	rpc_pool_stop(pool, poke_stopped, &stopped);
	while (!stopped)
		uv_run(&loop, UV_RUN_ONCE);
	rpc_pool_destroy(pool);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return p.status;
}

static int usage(void)
{
	fprintf(stderr, "usage: rpcpoke -methods\n"
	                "       rpcpoke [-region R] [-namespace NS] [-stale] "
	                "ADDR METHOD [ARGS_JSON]\n"
	                "       (token from STEPPE_RPC_TOKEN)\n");
	return 3;
}

int main(int argc, char **argv)
{
	struct rpc_request req = {0};
	msgpack_sbuffer sb;
	msgpack_zone z;
	msgpack_object args = {.type = MSGPACK_OBJECT_NIL};
	const char *token = getenv("STEPPE_RPC_TOKEN");
	int i = 1, rc;
	if (argc == 2 && strcmp(argv[1], "-methods") == 0) {
		server_each_method(print_method, NULL);
		return 0;
	}
	for (; i + 1 < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-stale") == 0)
			req.allow_stale = true;
		else if (strcmp(argv[i], "-region") == 0)
			req.region = argv[++i];
		else if (strcmp(argv[i], "-namespace") == 0)
			req.ns = argv[++i];
		else
			return usage();
	}
	if (argc - i < 2 || argc - i > 3)
		return usage();
	req.method = argv[i + 1];
	req.auth_token =
	    token != NULL && token[0] != '\0' ? (char *)token : NULL;
	msgpack_sbuffer_init(&sb);
	msgpack_zone_init(&z, 4096);
	rc = argc - i == 3 ? poke_args(argv[i + 2], &sb, &z, &args) : 0;
	if (rc == 0)
		rc = poke_call(argv[i], &req, &args);
	msgpack_zone_destroy(&z);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}
