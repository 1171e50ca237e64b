/* The thermo board's handlers written against the C generated from
 * devices/profiles/thermo.json (codegen_thermo_test.cpp runs them through the
 * kit). Compiled with the kit's strict C99 flags, as a firmware would be. */
#include "thermo_profile.h"

typedef struct board {
  thermo_thermo_config config;
  uint16_t rate_hz;
  uint8_t leds[8][3];
} board;

static board the_board = {{4u, 1000u, 4500, true}, 0u, {{0u}}};

void *thermo_board(void) { return &the_board; }

uint16_t thermo_on_get_info(void *user, thermo_device_info *response, const char **message) {
  (void)user;
  (void)message;
  response->firmware.major = 1u;
  response->firmware.minor = 4u;
  response->firmware.patch = 2u;
  response->serial_number = 20240601u;
  memcpy(response->name, "thermo", 7u);
  return CF_OK;
}

uint16_t thermo_on_read_sensors(void *user, thermo_sensor_readings *response, const char **message) {
  const board *b = (const board *)user;
  uint16_t i;
  (void)message;
  response->sequence = 7u;
  response->supply_mv = 3300u;
  for (i = 0u; i < b->config.channels; ++i) response->temps_cdeg[i] = (int16_t)(2000 + 25 * (int)i - 2100);
  response->temps_cdeg_count = b->config.channels;
  return CF_OK;
}

uint16_t thermo_on_set_led(void *user, const thermo_led_setting *request, const char **message) {
  board *b = (board *)user;
  if (request->index > 7u) {
    *message = "LED index out of range 0..7";
    return CF_ERR_OUT_OF_RANGE;
  }
  memcpy(b->leds[request->index], request->rgb, 3u);
  return CF_OK;
}

uint16_t thermo_on_get_config(void *user, thermo_thermo_config *response, const char **message) {
  (void)message;
  *response = ((const board *)user)->config;
  return CF_OK;
}

uint16_t thermo_on_set_config(void *user, const thermo_thermo_config *request, thermo_thermo_config *response,
                              const char **message) {
  board *b = (board *)user;
  if (request->channels < 1u || request->channels > 8u) {
    *message = "channels out of range 1..8";
    return CF_ERR_OUT_OF_RANGE;
  }
  b->config = *request;
  *response = b->config;
  return CF_OK;
}

uint16_t thermo_on_start_telemetry(void *user, const thermo_telemetry_rate *request, const char **message) {
  (void)message;
  ((board *)user)->rate_hz = request->rate_hz;
  return CF_OK;
}

uint16_t thermo_on_stop_telemetry(void *user, const char **message) {
  (void)message;
  ((board *)user)->rate_hz = 0u;
  return CF_OK;
}
