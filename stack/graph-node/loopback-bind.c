/*
 * LD_PRELOAD shim that keeps graph-node off the network and its admin JSON-RPC to its own user.
 *
 * - bind(): graph-node binds every server (GraphQL, index node, admin JSON-RPC, metrics) to 0.0.0.0,
 *   hard-coded. A bind() to the wildcard address (IPv4 0.0.0.0 or IPv6 ::) becomes a bind() to the
 *   same port on the loopback address; every other bind() is left alone.
 * - accept() and accept4(): graph-node's admin JSON-RPC (subgraph_deploy, subgraph_remove, ...) takes no
 *   credentials, so on loopback any local user could remove the index. For the port named by
 *   OWNER_ONLY_PORT, a connection is accepted only when the connecting socket belongs to graph-node's
 *   own user (the launcher's): its owner is read from /proc/net/tcp (or tcp6), where the kernel lists
 *   every TCP socket with its uid. Any other connection is closed at once, as if never accepted
 *   (a non-blocking accept then says EAGAIN, as when nothing waits).
 * Built with the system's C compiler by loopback-shim.ts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static bind_fn real_bind;
  if (!real_bind) real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in loopback;
    memcpy(&loopback, addr, sizeof loopback);
    if (loopback.sin_addr.s_addr == htonl(INADDR_ANY)) {
      loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real_bind(fd, (const struct sockaddr *)&loopback, sizeof loopback);
    }
  } else if (addr && addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 loopback;
    memcpy(&loopback, addr, sizeof loopback);
    if (memcmp(&loopback.sin6_addr, &in6addr_any, sizeof(struct in6_addr)) == 0) {
      loopback.sin6_addr = in6addr_loopback;
      return real_bind(fd, (const struct sockaddr *)&loopback, sizeof loopback);
    }
  }
  return real_bind(fd, addr, len);
}

/* The port named by OWNER_ONLY_PORT, or 0 when none is. */
static int owner_only_port(void) {
  static int port = -1;
  if (port < 0) {
    const char *value = getenv("OWNER_ONLY_PORT");
    port = value ? atoi(value) : 0;
  }
  return port;
}

static int port_of(const struct sockaddr_storage *address) {
  if (address->ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)address)->sin_port);
  if (address->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)address)->sin6_port);
  return -1;
}

/*
 * The uid owning the local TCP socket whose own port is `peer_port` and whose remote port is
 * `server_port` (the client end of an accepted connection), or -1 when /proc does not list it.
 */
static long owner_of(const char *table, int peer_port, int server_port) {
  FILE *file = fopen(table, "r");
  if (!file) return -1;
  char line[512];
  long uid = -1;
  if (!fgets(line, sizeof line, file)) line[0] = 0; /* the header */
  while (uid < 0 && fgets(line, sizeof line, file)) {
    char local[64], remote[64];
    unsigned long owner;
    /* sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ... */
    if (sscanf(line, "%*s %63s %63s %*s %*s %*s %*s %lu", local, remote, &owner) != 3) continue;
    const char *local_port = strrchr(local, ':');
    const char *remote_port = strrchr(remote, ':');
    if (!local_port || !remote_port) continue;
    if (strtol(local_port + 1, NULL, 16) == peer_port && strtol(remote_port + 1, NULL, 16) == server_port) uid = (long)owner;
  }
  fclose(file);
  return uid;
}

/* Whether connection `fd` may stay: not on the owner-only port, or made by this process's user. */
static int allowed(int fd) {
  int guarded = owner_only_port();
  if (guarded <= 0) return 1;
  struct sockaddr_storage server, peer;
  socklen_t server_len = sizeof server, peer_len = sizeof peer;
  if (getsockname(fd, (struct sockaddr *)&server, &server_len) != 0 || port_of(&server) != guarded) return 1;
  if (getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0) return 0;
  int peer_port = port_of(&peer);
  long uid = owner_of(peer.ss_family == AF_INET6 ? "/proc/net/tcp6" : "/proc/net/tcp", peer_port, guarded);
  return uid >= 0 && (uid_t)uid == getuid();
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  static accept4_fn real_accept4;
  if (!real_accept4) real_accept4 = (accept4_fn)dlsym(RTLD_NEXT, "accept4");
  for (;;) {
    socklen_t given = len ? *len : 0;
    int connection = real_accept4(fd, addr, len, flags);
    if (connection < 0 || allowed(connection)) return connection;
    close(connection);
    if (len) *len = given;
  }
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  return accept4(fd, addr, len, 0);
}
