/* A device that is a program, for `comframe sim --exec` (cli_sim_exec_test.cpp):
 * built with the C firmware kit, it speaks comframe's protocol on stdin and
 * stdout exactly as docs/simulator.md ("A program as the device") says such a
 * program must, and can misbehave on request to test the simulator's life cycle.
 *
 *   exec_device [--ignore-term] [--print-profile] [ARGS...]
 *
 * Commands (the profile below):
 *   get_info (1)      -> its arguments, joined by spaces (the simulator passed them)
 *   echo (2)          -> the request's bytes
 *   exit (3)          -> replies, then exits with the status asked for
 *   close_stdout (4)  -> replies, then closes its stdout and keeps running
 *   close_stdin (5)   -> replies, then closes its stdin and keeps running
 *   burst (6)         -> replies, then sends `count` tick events (28-byte payloads)
 * It says "exec_device: pid N" on stderr when it starts. --ignore-term makes
 * it ignore SIGTERM (so only SIGKILL stops it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comframe/firmware/decoder.h"
#include "comframe/firmware/device.h"

#define MAX_PAYLOAD 256u
#define SLOTS 4u

/* Its profile in canonical form (devices::profile::to_json().dump(), the text
 * describe serves and hashes; cli_sim_exec_test checks it is canonical). */
static const char profile_text[] =
    "{\"comframe_profile\":1,\"commands\":[{\"id\":1,\"name\":\"get_info\",\"request\":\"null\",\"response\":{\"struct\":[{\"name\":\"args\","
    "\"type\":\"char[]\"}]}},{\"id\":2,\"name\":\"echo\",\"request\":{\"struct\":[{\"name\":\"data\",\"type\":\"u8[]\"}]},"
    "\"response\":{\"struct\":[{\"name\":\"data\",\"type\":\"u8[]\"}]}},{\"id\":3,\"name\":\"exit\",\"request\":{\"struct\":[{\"name\":\"status\","
    "\"type\":\"u8\"}]},\"response\":\"null\"},{\"id\":4,\"name\":\"close_stdout\",\"request\":\"null\",\"response\":\"null\"},"
    "{\"id\":5,\"name\":\"close_stdin\",\"request\":\"null\",\"response\":\"null\"},{\"id\":6,\"name\":\"burst\",\"request\":{\"struct\":[{\"name\":\"count\","
    "\"type\":\"u32\"}]},\"response\":\"null\"},{\"id\":65520,\"name\":\"describe\",\"request\":\"comframe::devices::builtin::describe_request\","
    "\"response\":\"comframe::devices::builtin::describe_response\"}],\"device\":\"exec_device\",\"endian\":\"little\","
    "\"events\":[{\"id\":256,\"name\":\"tick\",\"payload\":{\"struct\":[{\"name\":\"n\",\"type\":\"u32\"},{\"name\":\"pad\","
    "\"type\":\"u8[24]\"}]}}],\"types\":{\"comframe::devices::builtin::describe_request\":{\"struct\":[{\"name\":\"offset\","
    "\"type\":\"u32\"},{\"name\":\"max_bytes\",\"type\":\"u16\"}]},\"comframe::devices::builtin::describe_response\":{\"struct\":[{\"name\":\"hash\","
    "\"type\":\"u64\"},{\"name\":\"total\",\"type\":\"u32\"},{\"name\":\"chunk\",\"type\":\"char[]\"}]}},\"version\":\"1\"}";

static char args_text[MAX_PAYLOAD];
static size_t args_size;

/* What the device does after its reply has gone out. */
static enum { AFTER_NOTHING, AFTER_EXIT, AFTER_CLOSE_STDOUT, AFTER_CLOSE_STDIN } after;
static int exit_status;
static uint32_t burst_left;

/* Output: frames are put here byte by byte, and written to stdout when a pass ends or it is full. */
static uint8_t out[65536];
static size_t out_size;

static void flush_out(void) {
  size_t done = 0;
  while (done < out_size) {
    const ssize_t n = write(1, out + done, out_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) exit(70); /* the simulator is gone */
    done += (size_t)n;
  }
  out_size = 0;
}

static void put(void *user, uint8_t byte) {
  (void)user;
  if (out_size == sizeof out) flush_out();
  out[out_size++] = byte;
}

static uint16_t get_info(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  (void)request;
  memcpy(reply->payload, args_text, args_size);
  reply->size = args_size;
  return CF_OK;
}

static uint16_t echo(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  memcpy(reply->payload, request->payload, request->payload_size);
  reply->size = request->payload_size;
  return CF_OK;
}

static uint16_t exit_command(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  (void)reply;
  if (request->payload_size != 1) return CF_ERR_BAD_REQUEST;
  after = AFTER_EXIT;
  exit_status = request->payload[0];
  return CF_OK;
}

static uint16_t close_stdout(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  (void)request;
  (void)reply;
  after = AFTER_CLOSE_STDOUT;
  return CF_OK;
}

static uint16_t close_stdin(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  (void)request;
  (void)reply;
  after = AFTER_CLOSE_STDIN;
  return CF_OK;
}

static uint16_t burst(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  (void)reply;
  if (request->payload_size != 4) return CF_ERR_BAD_REQUEST;
  burst_left = (uint32_t)request->payload[0] | (uint32_t)request->payload[1] << 8 |
               (uint32_t)request->payload[2] << 16 | (uint32_t)request->payload[3] << 24;
  return CF_OK;
}

static const cf_command commands[] = {{1, get_info},     {2, echo},        {3, exit_command},
                                      {4, close_stdout}, {5, close_stdin}, {6, burst}};

int main(int argc, char **argv) {
  static uint8_t slots[SLOTS * COMFRAME_DECODER_SLOT_SIZE(MAX_PAYLOAD)];
  static uint8_t reply_buffer[MAX_PAYLOAD];
  static cf_decoder rx;
  static cf_device dev;
  cf_device_config config;
  int i;

  for (i = 1; i < argc; ++i) {
    const size_t n = strlen(argv[i]);
    if (strcmp(argv[i], "--ignore-term") == 0) signal(SIGTERM, SIG_IGN);
    if (strcmp(argv[i], "--print-profile") == 0) {
      fputs(profile_text, stdout);
      return 0;
    }
    if (args_size + n + 1 > sizeof args_text) break;
    if (args_size) args_text[args_size++] = ' ';
    memcpy(args_text + args_size, argv[i], n);
    args_size += n;
  }
  fprintf(stderr, "exec_device: pid %ld\n", (long)getpid());

  (void)cf_decoder_init(&rx, slots, sizeof slots, MAX_PAYLOAD);
  memset(&config, 0, sizeof config);
  config.commands = commands;
  config.command_count = sizeof commands / sizeof commands[0];
  config.profile_text = profile_text;
  config.profile_size = (uint32_t)(sizeof profile_text - 1);
  config.profile_hash = cf_fnv1a64(profile_text, sizeof profile_text - 1);
  config.reply_buffer = reply_buffer;
  config.reply_capacity = sizeof reply_buffer;
  config.putc = put;
  cf_device_init(&dev, &config);

  for (;;) {
    uint8_t in[4096];
    ssize_t n, k;
    if (after == AFTER_CLOSE_STDOUT || after == AFTER_CLOSE_STDIN) {
      pause(); /* running, but deaf or mute: until a signal ends it */
      continue;
    }
    n = read(0, in, sizeof in);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0; /* end of stdin: the simulator let go of the device */
    for (k = 0; k < n; ++k) {
      (void)cf_decoder_push(&rx, in[k]);
      if (cf_device_poll(&dev, &rx) == 0) continue;
      while (burst_left > 0) {
        uint8_t tick[28];
        const uint32_t count = burst_left--;
        memset(tick, 0xA5, sizeof tick);
        tick[0] = (uint8_t)count;
        tick[1] = (uint8_t)(count >> 8);
        tick[2] = (uint8_t)(count >> 16);
        tick[3] = (uint8_t)(count >> 24);
        cf_device_emit(&dev, 256, tick, sizeof tick);
      }
    }
    flush_out();
    if (after == AFTER_EXIT) return exit_status;
    if (after == AFTER_CLOSE_STDOUT) close(1);
    if (after == AFTER_CLOSE_STDIN) close(0);
  }
}
