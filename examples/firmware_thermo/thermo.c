/* The thermo board's firmware (thermo.h): portable C99, no heap, no stdio.
 * Payload types, codecs, ids, the command table and the profile text come from
 * thermo_profile.h/.c, generated from devices/profiles/thermo.json at build time. */
#include "thermo.h"

#include <string.h>

#include "board.h"

#if COMFRAME_DECODER_MAX_SLOTS < THERMO_RX_SLOTS
#error "the thermo firmware queues THERMO_RX_SLOTS requests: build the kit with COMFRAME_DECODER_MAX_SLOTS=8 or more"
#endif

/* ---- state and noise ---- */

static uint32_t next_random(thermo *t) {
  uint32_t x = t->rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  t->rng = x;
  return x;
}

/* One temperature per active channel: 2150 + 37·c ± 5 (0.01 °C). */
static uint16_t read_temperatures(thermo *t, int16_t *temps, uint16_t capacity) {
  uint16_t c;
  uint16_t n = t->config.channels < capacity ? t->config.channels : capacity;
  for (c = 0; c < n; ++c) temps[c] = (int16_t)(2150 + 37 * (int32_t)c + (int32_t)(next_random(t) % 11u) - 5);
  return n;
}

/* ---- error messages, as the simulator words them ---- */

/* Appends `value` in decimal at `out`; returns the end. */
static char *put_decimal(char *out, uint32_t value) {
  char digits[10];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0);
  while (n != 0) *out++ = digits[--n];
  return out;
}

static char *put_text(char *out, const char *text) {
  size_t n = strlen(text);
  memcpy(out, text, n);
  return out + n;
}

/* "WHAT VALUE is outside LOW..HIGH" into t->message; returns CF_ERR_OUT_OF_RANGE. */
static uint16_t out_of_range(thermo *t, const char *what, uint32_t value, uint32_t low, uint32_t high,
                             const char **message) {
  /* the longest: "sample_period_ms 65535 is outside 10..60000" (43 bytes) */
  char *p = put_text(t->message, what);
  *p++ = ' ';
  p = put_decimal(p, value);
  p = put_text(p, " is outside ");
  p = put_decimal(p, low);
  p = put_text(p, "..");
  p = put_decimal(p, high);
  *p = '\0';
  *message = t->message;
  return CF_ERR_OUT_OF_RANGE;
}

/* ---- the handlers (prototypes in thermo_profile.h) ---- */

uint16_t thermo_on_get_info(void *user, thermo_device_info *response, const char **message) {
  (void)user;
  (void)message;
  memset(response, 0, sizeof *response);
  response->firmware.major = 1;
  response->firmware.minor = 4;
  response->firmware.patch = 2;
  response->serial_number = THERMO_SERIAL_NUMBER;
  memcpy(response->name, "thermo", sizeof "thermo");
  return CF_OK;
}

uint16_t thermo_on_read_sensors(void *user, thermo_sensor_readings *response, const char **message) {
  thermo *t = (thermo *)user;
  (void)message;
  response->sequence = t->reading_sequence++;
  response->supply_mv = (uint16_t)(3300u + next_random(t) % 7u - 3u);
  response->temps_cdeg_count = read_temperatures(t, response->temps_cdeg, THERMO_SENSOR_READINGS_TEMPS_CDEG_MAX);
  return CF_OK;
}

uint16_t thermo_on_set_led(void *user, const thermo_led_setting *request, const char **message) {
  thermo *t = (thermo *)user;
  if (request->index > 7) return out_of_range(t, "LED index", request->index, 0, 7, message);
  memcpy(t->leds[request->index], request->rgb, 3);
  return CF_OK;
}

uint16_t thermo_on_get_config(void *user, thermo_thermo_config *response, const char **message) {
  (void)message;
  *response = ((thermo *)user)->config;
  return CF_OK;
}

uint16_t thermo_on_set_config(void *user, const thermo_thermo_config *request, thermo_thermo_config *response,
                              const char **message) {
  thermo *t = (thermo *)user;
  if (request->channels < 1 || request->channels > 8)
    return out_of_range(t, "channels", request->channels, 1, 8, message);
  if (request->sample_period_ms < 10 || request->sample_period_ms > 60000)
    return out_of_range(t, "sample_period_ms", request->sample_period_ms, 10, 60000, message);
  t->config = *request;
  *response = t->config;
  return CF_OK;
}

/* The schedule starts anew at once: a sample due under the old one is not sent. */
uint16_t thermo_on_start_telemetry(void *user, const thermo_telemetry_rate *request, const char **message) {
  thermo *t = (thermo *)user;
  if (request->rate_hz < 1 || request->rate_hz > 1000)
    return out_of_range(t, "rate_hz", request->rate_hz, 1, 1000, message);
  t->streaming = true;
  t->rate_hz = request->rate_hz;
  t->sample_sequence = 0;
  t->stream_start_ms = board_ticks_ms();
  t->tick = 1;
  return CF_OK;
}

uint16_t thermo_on_stop_telemetry(void *user, const char **message) {
  (void)message;
  ((thermo *)user)->streaming = false;
  return CF_OK;
}

/* ---- telemetry ---- */

static uint32_t next_due_ms(const thermo *t) { return t->stream_start_ms + t->tick * 1000u / t->rate_hz; }

static void send_sample(thermo *t, uint32_t now_ms) {
  thermo_telemetry_sample s;
  s.sequence = t->sample_sequence++;
  s.uptime_us = (uint64_t)now_ms * 1000u;
  s.temps_cdeg_count = read_temperatures(t, s.temps_cdeg, THERMO_TELEMETRY_SAMPLE_TEMPS_CDEG_MAX);
  /* As the simulator does, an event the line has no room for is dropped, never a reply delayed. */
  if (board_uart_tx_room() < COMFRAME_MAX_ENCODED_FRAME_SIZE(THERMO_TELEMETRY_SAMPLE_MAX_SIZE)) {
    ++t->samples_dropped;
    return;
  }
  if (thermo_emit_telemetry(&t->dev, &s)) ++t->samples_emitted;
}

static void send_due_samples(thermo *t) {
  const uint32_t now = board_ticks_ms();
  while (t->streaming && (int32_t)(now - next_due_ms(t)) >= 0) {
    send_sample(t, now);
    /* tick stays below rate_hz, so tick * 1000 never overflows */
    if (++t->tick >= t->rate_hz) {
      t->tick -= t->rate_hz;
      t->stream_start_ms += 1000u;
    }
    if ((int32_t)(now - next_due_ms(t)) > 1000) { /* a second behind: skip, do not burst */
      t->stream_start_ms = now;
      t->tick = 1;
    }
  }
}

/* ---- the board's entry points ---- */

void thermo_init(thermo *t) {
  cf_device_config config;
  memset(t, 0, sizeof *t);
  t->config.channels = 4;
  t->config.sample_period_ms = 100;
  t->config.alarm_high_cdeg = 8000;
  t->config.alarm_enabled = false;
  t->rng = THERMO_NOISE_SEED;
  t->rate_hz = 1;
  (void)cf_decoder_init(&t->rx, t->rx_slots, sizeof t->rx_slots, THERMO_MAX_REQUEST_PAYLOAD);
  thermo_device_config(&config, t, t->reply_buffer, sizeof t->reply_buffer, board_uart_putc, NULL);
  cf_device_init(&t->dev, &config);
}

void thermo_rx_byte(thermo *t, uint8_t byte) { (void)cf_decoder_push(&t->rx, byte); }

size_t thermo_rx_block(thermo *t, const uint8_t *bytes, size_t size) { return cf_decoder_feed(&t->rx, bytes, size); }

void thermo_step(thermo *t) {
  (void)cf_device_poll(&t->dev, &t->rx);
  send_due_samples(t);
}

uint32_t thermo_ms_to_next_sample(const thermo *t) {
  int32_t left;
  if (!t->streaming) return UINT32_MAX;
  left = (int32_t)(next_due_ms(t) - board_ticks_ms());
  return left > 0 ? (uint32_t)left : 0u;
}
