/* A Modbus RTU client built on libmodbus: one request per run, its result on
 * stdout, a Modbus exception as "exception N: TEXT" on stdout with exit 1.
 *
 *   modbus_rtu_client TTY ADDRESS OPERATION ARGS...
 *     read_coils START COUNT             prints the bits: 1 0 0 1 ...
 *     read_holding_registers START COUNT prints the values: 0 1 2 3
 *     read_input_registers START COUNT
 *     write_single_coil ADDR 0|1         prints "ok"
 *     write_single_register ADDR VALUE
 *     write_multiple_coils START B1,B2,...
 *     write_multiple_registers START V1,V2,...
 *
 * No answer within the response timeout (1 s) prints "no answer" with exit 3:
 * what a broadcast (ADDRESS 0) or a request to an absent address gets.
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_list(const char* text, int* out, int max) {
  int n = 0;
  char* copy = strdup(text);
  for (char* tok = strtok(copy, ","); tok != NULL && n < max; tok = strtok(NULL, ",")) out[n++] = atoi(tok);
  free(copy);
  return n;
}

static int fail(const char* what) {
  if (errno == ETIMEDOUT) {
    printf("no answer\n");
    return 3;
  }
  if (errno > MODBUS_ENOBASE && errno < MODBUS_ENOBASE + 12) {
    printf("exception %d: %s\n", errno - MODBUS_ENOBASE, modbus_strerror(errno));
  } else {
    printf("error: %s: %s\n", what, modbus_strerror(errno));
  }
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: modbus_rtu_client TTY ADDRESS OPERATION ARGS...\n");
    return 2;
  }
  const char* op = argv[3];
  modbus_t* ctx = modbus_new_rtu(argv[1], 19200, 'N', 8, 1);
  if (ctx == NULL) {
    fprintf(stderr, "modbus_new_rtu: %s\n", modbus_strerror(errno));
    return 2;
  }
  modbus_set_slave(ctx, atoi(argv[2]));
  modbus_set_response_timeout(ctx, 1, 0);
  if (getenv("MODBUS_DEBUG") != NULL) modbus_set_debug(ctx, 1);
  if (modbus_connect(ctx) == -1) {
    fprintf(stderr, "modbus_connect %s: %s\n", argv[1], modbus_strerror(errno));
    return 2;
  }
  const int start = atoi(argv[4]);
  int rc = 0;
  if (strcmp(op, "read_coils") == 0 && argc > 5) {
    uint8_t bits[2000];
    const int count = atoi(argv[5]);
    if (modbus_read_bits(ctx, start, count, bits) == -1) return fail(op);
    for (int i = 0; i < count; ++i) printf(i ? " %d" : "%d", bits[i]);
    printf("\n");
  } else if ((strcmp(op, "read_holding_registers") == 0 || strcmp(op, "read_input_registers") == 0) && argc > 5) {
    uint16_t regs[125];
    const int count = atoi(argv[5]);
    rc = op[5] == 'h' ? modbus_read_registers(ctx, start, count, regs)
                      : modbus_read_input_registers(ctx, start, count, regs);
    if (rc == -1) return fail(op);
    for (int i = 0; i < count; ++i) printf(i ? " %d" : "%d", regs[i]);
    printf("\n");
  } else if (strcmp(op, "write_single_coil") == 0 && argc > 5) {
    if (modbus_write_bit(ctx, start, atoi(argv[5])) == -1) return fail(op);
    printf("ok\n");
  } else if (strcmp(op, "write_single_register") == 0 && argc > 5) {
    if (modbus_write_register(ctx, start, atoi(argv[5])) == -1) return fail(op);
    printf("ok\n");
  } else if (strcmp(op, "write_multiple_coils") == 0 && argc > 5) {
    int values[1968];
    uint8_t bits[1968];
    const int n = parse_list(argv[5], values, 1968);
    for (int i = 0; i < n; ++i) bits[i] = (uint8_t)values[i];
    if (modbus_write_bits(ctx, start, n, bits) == -1) return fail(op);
    printf("ok\n");
  } else if (strcmp(op, "write_multiple_registers") == 0 && argc > 5) {
    int values[123];
    uint16_t regs[123];
    const int n = parse_list(argv[5], values, 123);
    for (int i = 0; i < n; ++i) regs[i] = (uint16_t)values[i];
    if (modbus_write_registers(ctx, start, n, regs) == -1) return fail(op);
    printf("ok\n");
  } else {
    fprintf(stderr, "modbus_rtu_client: unknown operation or missing argument: %s\n", op);
    return 2;
  }
  modbus_close(ctx);
  modbus_free(ctx);
  return 0;
}
