// The raw read floor of a userspace WireGuard scrape: connect to every UAPI
// socket at once, send "get=1\n\n" to each, and read every answer up to its
// terminating empty line, parsing nothing. No exporter can read the same
// interfaces faster than this, so it is the yardstick for the exporter's
// scrape latency.
//
// usage: raw_floor [-n ROUNDS] SOCKET...
// Prints one line per round: "<seconds> <bytes>" (wall time from the first
// connect to the last answer's end, and the answer bytes read in total).
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { kChunk = 1 << 16 };

struct Reader {
  int fd;
  int done;
  char tail;  // last byte of the previous read, to find a "\n\n" split across reads
};

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int Connect(const char* path) {
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof address.sun_path) {
    fprintf(stderr, "raw_floor: path too long: %s\n", path);
    exit(2);
  }
  strcpy(address.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
    fprintf(stderr, "raw_floor: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  static const char kRequest[] = "get=1\n\n";
  if (send(fd, kRequest, sizeof kRequest - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof kRequest - 1)) {
    fprintf(stderr, "raw_floor: send %s: %s\n", path, strerror(errno));
    exit(1);
  }
  return fd;
}

// Returns the bytes read in one round over all sockets.
static long long Round(int count, char** paths, struct Reader* readers, struct pollfd* fds,
                       char* buffer) {
  long long total = 0;
  for (int i = 0; i < count; ++i) {
    readers[i].fd = Connect(paths[i]);
    readers[i].done = 0;
    readers[i].tail = 0;
  }
  int open_count = count;
  while (open_count > 0) {
    int n = 0;
    for (int i = 0; i < count; ++i) {
      if (readers[i].done) continue;
      fds[n].fd = readers[i].fd;
      fds[n].events = POLLIN;
      fds[n].revents = 0;
      ++n;
    }
    if (poll(fds, (nfds_t)n, 10000) <= 0) {
      fprintf(stderr, "raw_floor: poll timed out or failed\n");
      exit(1);
    }
    int k = 0;
    for (int i = 0; i < count; ++i) {
      if (readers[i].done) continue;
      struct pollfd* p = &fds[k++];
      if (p->revents == 0) continue;
      ssize_t got = recv(readers[i].fd, buffer, kChunk, MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      int finished = got <= 0;
      if (got > 0) {
        total += got;
        // The answer ends with an empty line: "\n\n" at its very end.
        finished = (got >= 2 && buffer[got - 1] == '\n' && buffer[got - 2] == '\n') ||
                   (got == 1 && buffer[0] == '\n' && readers[i].tail == '\n');
        readers[i].tail = buffer[got - 1];
      }
      if (finished) {
        close(readers[i].fd);
        readers[i].done = 1;
        --open_count;
      }
    }
  }
  return total;
}

int main(int argc, char** argv) {
  int rounds = 1;
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "-n") == 0) {
    rounds = atoi(argv[2]);
    first = 3;
  }
  const int count = argc - first;
  if (count <= 0 || rounds <= 0) {
    fprintf(stderr, "usage: raw_floor [-n ROUNDS] SOCKET...\n");
    return 2;
  }
  struct Reader* readers = calloc((size_t)count, sizeof *readers);
  struct pollfd* fds = calloc((size_t)count, sizeof *fds);
  char* buffer = malloc(kChunk);
  if (readers == NULL || fds == NULL || buffer == NULL) return 1;
  for (int r = 0; r < rounds; ++r) {
    const double start = Now();
    const long long bytes = Round(count, argv + first, readers, fds, buffer);
    printf("%.6f %lld\n", Now() - start, bytes);
    fflush(stdout);
  }
  free(buffer);
  free(fds);
  free(readers);
  return 0;
}
