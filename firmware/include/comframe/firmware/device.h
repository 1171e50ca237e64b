/* comframe/firmware/device.h — the device side of the protocol: a dispatcher
 * from command id to handler, error replies, fire-and-forget requests, events
 * and the built-in describe command.
 *
 * It answers as the host's simulated devices do (firmware_sim::device behind a
 * device_host; docs/protocol.md, "Commands and the session"), with the same
 * kinds, codes and payloads; two error messages differ in their words (see
 * docs/firmware.md):
 *   - a request for a command in the table runs its handler; the handler's
 *     result is a response, or an error reply with the code it returns;
 *   - a command not in the table gets error reply 1 (unknown_command);
 *   - describe (0xFFF0) is answered from the profile text in flash: its hash,
 *     its size and a chunk of it, max_bytes clamped to what one reply carries
 *     (COMFRAME_DESCRIBE_MAX_CHUNK, 4084 bytes), never past the text's end;
 *   - a request with sequence 0 runs but gets no reply of any kind;
 *   - a good frame that is not a request is ignored, counted in wrong_kind.
 * Replies and events are written byte by byte to the device's putc-style
 * callback straight from where their bytes are (the reply buffer, the event's
 * payload, the profile text in flash): COBS looks ahead in them, so the
 * device holds no copy of a frame and no lookahead buffer. Queueing and
 * pacing the line is the callback's business.
 *
 *   static uint16_t get_info(void *user, const cf_frame *request, cf_reply *reply) {
 *     (void)user; (void)request;
 *     reply->payload[0] = 1; reply->size = 1;     // the response payload
 *     return CF_OK;                               // or an error code: CF_ERR_OUT_OF_RANGE, ...
 *   }
 *   static const cf_command commands[] = {{0x0001, get_info}};
 *   static uint8_t reply_buffer[64];              // the largest response payload
 *   static cf_device dev;
 *   const cf_device_config config = {commands, 1, profile_text, sizeof profile_text - 1,
 *                                    PROFILE_HASH, NULL, reply_buffer, sizeof reply_buffer,
 *                                    uart_putc, NULL};
 *   cf_device_init(&dev, &config);
 *   ... in the main loop:  cf_device_poll(&dev, &decoder);
 *   ... when a sample is ready:  cf_device_emit(&dev, 0x0010, sample, sizeof sample);
 *
 * A device is used from one context at a time (its replies and events share
 * the putc callback): emit events from the main loop, not from an interrupt. */
#ifndef COMFRAME_FIRMWARE_DEVICE_H
#define COMFRAME_FIRMWARE_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "comframe/firmware/decoder.h"
#include "comframe/firmware/frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes of error replies (docs/protocol.md); device-specific ones from 0x0100. */
enum {
  CF_OK = 0,
  CF_ERR_UNKNOWN_COMMAND = 1, /* the device has no handler for this command id */
  CF_ERR_BAD_REQUEST = 2,     /* the request payload does not decode */
  CF_ERR_OUT_OF_RANGE = 3,    /* an argument outside what the device accepts */
  CF_ERR_BUSY = 4,            /* the device cannot do it now */
  CF_ERR_INTERNAL = 5,        /* the device failed */
  CF_ERR_FIRST_DEVICE_SPECIFIC = 0x0100
};

/** The built-in describe command's id, and the bytes of its reply before the chunk. */
#define COMFRAME_DESCRIBE_ID 0xFFF0u
#define COMFRAME_DESCRIBE_REPLY_FIELDS_SIZE 12u
/** The longest chunk of profile text one describe reply carries (4084). */
#define COMFRAME_DESCRIBE_MAX_CHUNK (COMFRAME_MAX_PAYLOAD_SIZE - COMFRAME_DESCRIBE_REPLY_FIELDS_SIZE)

/** Where a handler writes its answer. */
typedef struct cf_reply {
  uint8_t *payload;     /* the device's reply buffer */
  size_t capacity;      /* its bytes */
  size_t size;          /* set by the handler: response payload bytes written (0 at the call) */
  const char *message;  /* for an error reply: NUL-terminated UTF-8 text, or NULL for none;
                           must stay valid until the handler returns (a string literal is usual) */
} cf_reply;

/** Handles one request. Returns CF_OK to answer with reply->size bytes of
 *  reply->payload, or an error code to answer with an error reply of that code
 *  and reply->message. A size over reply->capacity (or over
 *  COMFRAME_MAX_PAYLOAD_SIZE) becomes error reply 5 (internal). */
typedef uint16_t (*cf_handler_fn)(void *user, const cf_frame *request, cf_reply *reply);

/** One entry of the handler table; an entry whose handler is NULL counts as absent. */
typedef struct cf_command {
  uint16_t id;
  cf_handler_fn handler;
} cf_command;

/** What a device is made of; every pointer is the caller's and must outlive it. */
typedef struct cf_device_config {
  const cf_command *commands; /* a const table, in flash; searched in order */
  size_t command_count;
  const char *profile_text;   /* the profile's canonical JSON text (docs/profiles.md) */
  uint32_t profile_size;      /* its bytes, no NUL */
  uint64_t profile_hash;      /* cf_fnv1a64(profile_text, profile_size), computed ahead */
  void *user;                 /* handed to every handler */
  uint8_t *reply_buffer;      /* where handlers write response payloads */
  size_t reply_capacity;
  cf_putc_fn putc;            /* takes every byte the device sends */
  void *putc_user;
} cf_device_config;

typedef struct cf_device_stats {
  uint32_t requests;      /* request frames handled (sequence 0 included) */
  uint32_t replies;       /* response and error frames written */
  uint32_t error_replies; /* of which error replies */
  uint32_t events;        /* event frames written */
  uint32_t wrong_kind;    /* good frames that are not requests: ignored */
} cf_device_stats;

/** A device: its configuration (copied by cf_device_init) and counters; all
 *  of its state, so a device costs sizeof(cf_device) bytes of RAM. */
typedef struct cf_device {
  cf_device_config config;
  cf_device_stats stats;
} cf_device;

void cf_device_init(cf_device *dev, const cf_device_config *config);

/** Handles one good frame from the decoder: runs its command and writes the reply. */
void cf_device_handle(cf_device *dev, const cf_frame *frame);

/** Handles every frame queued in `decoder`, releasing each; returns how many. */
size_t cf_device_poll(cf_device *dev, cf_decoder *decoder);

/** Writes an event frame (sequence 0, as the simulator sends them) with `size`
 *  payload bytes, encoded in the profile's byte order by the caller. Keep
 *  `size` at most COMFRAME_MAX_PAYLOAD_SIZE: a host drops a larger frame,
 *  counted as oversize, and nothing tells the device. */
void cf_device_emit(cf_device *dev, uint16_t event, const void *payload, size_t size);

/** FNV-1a 64 of `size` bytes: the profile hash describe reports. */
uint64_t cf_fnv1a64(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
