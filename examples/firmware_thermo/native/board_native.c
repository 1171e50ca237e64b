/* The thermo firmware as a native POSIX program: firmware in the loop. The same
 * thermo.c that runs on the Cortex-M3 serves a pseudo-terminal (any serial
 * program can open it), or its stdin/stdout for `comframe sim --exec`.
 *
 *   firmware_thermo [--symlink PATH]   prints "port: /dev/pts/N" (and "link: PATH"), serves the pty
 *   firmware_thermo --stdio            the line is stdin (requests) and stdout (replies, events)
 *
 * Stops on SIGINT or SIGTERM (removing the symlink), or at the end of stdin with --stdio.
 * The board layer (board.h): the tick is CLOCK_MONOTONIC, putc fills a transmit
 * ring that the main loop writes out when the line takes it, and the main loop
 * sleeps in poll() until a byte arrives or the next sample is due. */
#define _GNU_SOURCE /* ptsname_r, cfmakeraw */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../board.h"
#include "../thermo.h"

/* ---- the board: tick and transmit ring ---- */

#define TX_RING_SIZE 8192u
/* A host that reads nothing for this long loses what waits for it, as on a line with nothing attached. */
#define UNREAD_FLUSH_MS 1000u

static struct timespec started;
static uint8_t tx_ring[TX_RING_SIZE];
static size_t tx_head, tx_used; /* tx_head: the oldest byte */
static unsigned long tx_dropped;

uint32_t board_ticks_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint32_t)((now.tv_sec - started.tv_sec) * 1000 + (now.tv_nsec - started.tv_nsec) / 1000000);
}

void board_uart_putc(void *user, uint8_t byte) {
  (void)user;
  if (tx_used == TX_RING_SIZE) {
    ++tx_dropped;
    return;
  }
  tx_ring[(tx_head + tx_used) % TX_RING_SIZE] = byte;
  ++tx_used;
}

size_t board_uart_tx_room(void) { return TX_RING_SIZE - tx_used; }

/* Writes what the line takes now; returns -1 when the line is gone. */
static int flush_tx(int fd) {
  while (tx_used != 0) {
    size_t chunk = tx_head + tx_used <= TX_RING_SIZE ? tx_used : TX_RING_SIZE - tx_head;
    ssize_t n = write(fd, tx_ring + tx_head, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (n <= 0) return -1;
    tx_head = (tx_head + (size_t)n) % TX_RING_SIZE;
    tx_used -= (size_t)n;
  }
  tx_head = 0;
  return 0;
}

/* ---- the line: a pty or stdin/stdout ---- */

static volatile sig_atomic_t stop_requested;
static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(FILE *to) {
  fprintf(to,
          "usage: firmware_thermo [--symlink PATH | --stdio]\n"
          "  the thermo board's C firmware (examples/firmware_thermo) as a native program\n"
          "  (no option)     serve a new pseudo-terminal; prints 'port: /dev/pts/N'\n"
          "  --symlink PATH  also keep a symbolic link PATH to it (removed at exit); prints 'link: PATH'\n"
          "  --stdio         the line is stdin and stdout instead (for comframe sim --exec)\n");
}

/* A symlink under a temporary name renamed over `path`: a host never finds it half made. */
static int make_symlink(const char *path, const char *target) {
  char temp[4200];
  if (snprintf(temp, sizeof temp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof temp) {
    fprintf(stderr, "firmware_thermo: --symlink %s: the path is too long\n", path);
    return -1;
  }
  unlink(temp);
  if (symlink(target, temp) != 0 || rename(temp, path) != 0) {
    fprintf(stderr, "firmware_thermo: cannot create the link %s: %s\n", path, strerror(errno));
    unlink(temp);
    return -1;
  }
  return 0;
}

/* Removes the link if it still points at this pty (another program may have replaced it). */
static void remove_symlink(const char *path, const char *target) {
  char buffer[4096];
  ssize_t n = readlink(path, buffer, sizeof buffer);
  if (n > 0 && (size_t)n == strlen(target) && memcmp(buffer, target, (size_t)n) == 0) unlink(path);
}

/* Opens a pty whose slave stays open here (so reads on the master never fail
 * with EIO while no host has it open), in raw mode. Returns the master. */
static int open_pty(char *name, size_t name_size, int *slave) {
  struct termios tio;
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, name, name_size) != 0) {
    fprintf(stderr, "firmware_thermo: cannot open a pseudo-terminal: %s\n", strerror(errno));
    return -1;
  }
  *slave = open(name, O_RDWR | O_NOCTTY);
  if (*slave < 0 || tcgetattr(*slave, &tio) != 0) {
    fprintf(stderr, "firmware_thermo: cannot open the pseudo-terminal %s: %s\n", name, strerror(errno));
    return -1;
  }
  cfmakeraw(&tio);
  tcsetattr(*slave, TCSANOW, &tio);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(*slave, F_SETFD, FD_CLOEXEC);
  return master;
}

static thermo board;

/* Room for the largest frame the board sends (a describe reply): a request is
 * answered only when its reply fits in the transmit ring whole. */
#define REPLY_ROOM COMFRAME_MAX_ENCODED_FRAME_SIZE(COMFRAME_MAX_PAYLOAD_SIZE)

/* Bytes read from the line that the decoder has not taken yet. The line is read
 * again only when they are all taken, so a host that pipelines more than the
 * ring holds is slowed down (as a UART's flow control would) instead of losing replies. */
static uint8_t rx_pending[4096];
static size_t rx_pending_at, rx_pending_size;

/* Feeds the pending bytes, answering each request as it completes, while the
 * next reply is sure to fit in the ring. */
static void receive(void) {
  while (rx_pending_size != 0 && board_uart_tx_room() >= REPLY_ROOM) {
    size_t used = thermo_rx_block(&board, rx_pending + rx_pending_at, rx_pending_size);
    rx_pending_at += used;
    rx_pending_size -= used;
    thermo_step(&board);
  }
  if (rx_pending_size == 0) rx_pending_at = 0;
}

/* The main loop; returns the exit status. */
static int serve(int in_fd, int out_fd, int slave_fd) {
  uint32_t last_progress_ms = board_ticks_ms();
  fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
  while (!stop_requested) {
    struct pollfd fds[2];
    nfds_t nfds = 1;
    uint32_t wait_ms;
    int timeout_ms;
    size_t waiting;

    thermo_step(&board);
    receive();
    waiting = tx_used;
    if (flush_tx(out_fd) != 0) return 0; /* the host end is gone (--stdio) */
    if (tx_used != waiting || tx_used == 0) last_progress_ms = board_ticks_ms();
    else if (slave_fd >= 0 && board_ticks_ms() - last_progress_ms >= UNREAD_FLUSH_MS) {
      tcflush(slave_fd, TCIFLUSH); /* nobody reads the pty: what waits there is lost */
      last_progress_ms = board_ticks_ms();
    }

    wait_ms = thermo_ms_to_next_sample(&board);
    if (tx_used != 0 && wait_ms > UNREAD_FLUSH_MS) wait_ms = UNREAD_FLUSH_MS;
    timeout_ms = wait_ms == UINT32_MAX ? -1 : (int)(wait_ms > 60000u ? 60000u : wait_ms);
    if (rx_pending_size != 0 && tx_used == 0) continue; /* room again: answer what is pending */
    fds[0].fd = in_fd;
    fds[0].events = rx_pending_size == 0 ? POLLIN : 0; /* read more only when all is taken */
    fds[0].revents = 0;
    if (tx_used != 0) {
      if (out_fd == in_fd) fds[0].events |= POLLOUT;
      else {
        fds[1].fd = out_fd;
        fds[1].events = POLLOUT;
        fds[1].revents = 0;
        nfds = 2;
      }
    }
    if (poll(fds, nfds, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "firmware_thermo: poll: %s\n", strerror(errno));
      return 1;
    }
    if (rx_pending_size == 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(in_fd, rx_pending, sizeof rx_pending);
      if (n > 0) {
        rx_pending_size = (size_t)n;
        receive();
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR && errno != EIO)) break; /* end of stdin */
    }
  }
  /* At the end of stdin, what is still in the ring goes out (the reply to a
   * last request). Not on a pty: a host that reads nothing would hold us up. */
  if (slave_fd < 0) {
    fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) & ~O_NONBLOCK);
    (void)flush_tx(out_fd);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *link_path = NULL;
  int use_stdio = 0;
  int i, status, master = -1, slave = -1;
  char name[256];
  struct sigaction sa;

  for (i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--stdio") == 0) use_stdio = 1;
    else if (strcmp(argv[i], "--symlink") == 0 && i + 1 < argc) link_path = argv[++i];
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "firmware_thermo: %s: %s\n", argv[i],
              strcmp(argv[i], "--symlink") == 0 ? "needs a PATH" : "unknown option");
      usage(stderr);
      return 2;
    }
  }
  if (use_stdio && link_path) {
    fprintf(stderr, "firmware_thermo: give --stdio or --symlink PATH, not both\n");
    return 2;
  }

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal; /* no SA_RESTART: poll() returns EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  clock_gettime(CLOCK_MONOTONIC, &started);
  thermo_init(&board);

  if (use_stdio) return serve(STDIN_FILENO, STDOUT_FILENO, -1);

  master = open_pty(name, sizeof name, &slave);
  if (master < 0) return 1;
  if (link_path && make_symlink(link_path, name) != 0) return 1;
  printf("port: %s\n", name);
  if (link_path) printf("link: %s\n", link_path); /* programs parse these lines, as comframe sim's */
  fflush(stdout);
  status = serve(master, master, slave);
  if (link_path) remove_symlink(link_path, name);
  close(slave);
  close(master);
  return status;
}
