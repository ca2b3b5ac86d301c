/*
 * LD_PRELOAD shim that keeps graph-node off the network: graph-node binds every server (GraphQL,
 * index node, admin JSON-RPC, metrics) to 0.0.0.0, hard-coded. This replaces a bind() to the
 * wildcard address (IPv4 0.0.0.0 or IPv6 ::) with the same port on the loopback address, and leaves
 * every other bind() alone. Built with the system's C compiler by loopback-shim.ts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

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
