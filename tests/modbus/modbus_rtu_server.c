/* A Modbus RTU server built on libmodbus, the reference implementation no one
 * here wrote: it serves a register map on a tty (a pty of a socat pair in the
 * tests) with modbus_new_rtu, modbus_receive and modbus_reply, so libmodbus
 * decides every byte of its replies, its exceptions (2 for an address outside
 * the map) and its silence to a broadcast.
 *
 *   modbus_rtu_server TTY [ADDRESS] [-v]
 *
 * The map: 64 coils (coil i is on when i % 3 == 0), 64 discrete inputs,
 * 100 holding registers (register i holds i), 100 input registers (register i
 * holds 1000 + i). It prints "ready" once the tty is open, then serves until
 * killed. -v prints libmodbus's own trace of every frame.
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { coils = 64, discrete_inputs = 64, holding_registers = 100, input_registers = 100 };

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: modbus_rtu_server TTY [ADDRESS] [-v]\n");
    return 2;
  }
  const char* tty = argv[1];
  int address = 1, verbose = 0;
  for (int i = 2; i < argc; ++i) {
    if (strcmp(argv[i], "-v") == 0) verbose = 1;
    else address = atoi(argv[i]);
  }
  modbus_t* ctx = modbus_new_rtu(tty, 19200, 'N', 8, 1);
  if (ctx == NULL) {
    fprintf(stderr, "modbus_new_rtu: %s\n", modbus_strerror(errno));
    return 1;
  }
  modbus_set_slave(ctx, address);
  modbus_set_debug(ctx, verbose);
  modbus_mapping_t* map = modbus_mapping_new(coils, discrete_inputs, holding_registers, input_registers);
  if (map == NULL) {
    fprintf(stderr, "modbus_mapping_new: %s\n", modbus_strerror(errno));
    return 1;
  }
  for (int i = 0; i < coils; ++i) map->tab_bits[i] = (i % 3 == 0);
  for (int i = 0; i < discrete_inputs; ++i) map->tab_input_bits[i] = (i % 2 == 0);
  for (int i = 0; i < holding_registers; ++i) map->tab_registers[i] = (uint16_t)i;
  for (int i = 0; i < input_registers; ++i) map->tab_input_registers[i] = (uint16_t)(1000 + i);
  if (modbus_connect(ctx) == -1) {
    fprintf(stderr, "modbus_connect %s: %s\n", tty, modbus_strerror(errno));
    return 1;
  }
  printf("ready %s address %d\n", tty, address);
  fflush(stdout);
  uint8_t query[MODBUS_RTU_MAX_ADU_LENGTH];
  for (;;) {
    const int rc = modbus_receive(ctx, query);
    if (rc > 0) {
      /* modbus_reply answers with the data or the exception, and sends
       * nothing for a broadcast (address 0). */
      modbus_reply(ctx, query, rc, map);
    } else if (rc == -1 && errno != EMBBADCRC && errno != EMBBADDATA && errno != ETIMEDOUT && errno != EMBBADSLAVE) {
      fprintf(stderr, "modbus_receive: %s\n", modbus_strerror(errno));
      modbus_flush(ctx);
    }
  }
}
