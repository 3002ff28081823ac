/* tests/e2e/tools/raftpoke.c: opens the Raft protocol on a server's RPC
 * port the way a server does (0x02, one hello frame), from a chosen source
 * IP, and prints the server's answer: "accepted", "refused" or "closed",
 * then " closed" when the server hangs up afterwards.
 * Used by the e2e tests to check that only servers, from their own
 * addresses, may speak Raft.
 *
 * Usage: raftpoke SRC_IP DST_IP PORT RAFT_ID ADDRESS REGION */
#include <arpa/inet.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static int poke(int fd, unsigned long long id, const char *addr,
                const char *region)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned char hdr[5], ans;
	int rc = -1;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	pack_str(&pk, "ID");
	msgpack_pack_uint64(&pk, id);
	pack_str(&pk, "Address");
	pack_str(&pk, addr);
	pack_str(&pk, "Region");
	pack_str(&pk, region);
	hdr[0] = 0x02;
	hdr[1] = (unsigned char)(sb.size >> 24);
	hdr[2] = (unsigned char)(sb.size >> 16);
	hdr[3] = (unsigned char)(sb.size >> 8);
	hdr[4] = (unsigned char)sb.size;
	if (write(fd, hdr, 5) == 5 &&
	    write(fd, sb.data, sb.size) == (ssize_t)sb.size)
		rc = read(fd, &ans, 1) == 1 ? ans : -1;
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

int main(int argc, char **argv)
{
	struct sockaddr_in src = {.sin_family = AF_INET};
	struct sockaddr_in dst = {.sin_family = AF_INET};
	int fd, ans;
	if (argc != 7) {
		fprintf(stderr, "usage: raftpoke SRC_IP DST_IP PORT RAFT_ID "
		                "ADDRESS REGION\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || inet_pton(AF_INET, argv[1], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1)
		return 2;
	dst.sin_port = htons((unsigned short)atoi(argv[3]));
	if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
		perror("raftpoke");
		return 2;
	}
	ans = poke(fd, strtoull(argv[4], NULL, 10), argv[5], argv[6]);
	fputs(ans == 0 ? "accepted" : ans == 1 ? "refused" : "closed", stdout);
	if (ans == 1) {
		char more[64];
		struct timeval tv = {.tv_sec = 5};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (read(fd, more, sizeof more) == 0)
			fputs(" closed", stdout);
	}
	putchar('\n');
	close(fd);
	return 0;
}
