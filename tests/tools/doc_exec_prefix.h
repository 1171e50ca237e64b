/* What the C program of docs/simulator.md ("A program as the device") takes
 * as the device's own: its commands and its profile. CMake puts this header in
 * front of the page's code block to build doc_exec_device, which
 * cli_sim_exec_test serves with `comframe sim --exec`: the page's program must
 * compile with the kit's strict flags and work. */
#ifndef COMFRAME_TEST_DOC_EXEC_PREFIX_H
#define COMFRAME_TEST_DOC_EXEC_PREFIX_H

#include <string.h>

#include "comframe/firmware/device.h"

/* echo (2): the request's bytes back. */
static uint16_t doc_echo(void *user, const cf_frame *request, cf_reply *reply) {
  (void)user;
  memcpy(reply->payload, request->payload, request->payload_size);
  reply->size = request->payload_size;
  return CF_OK;
}

static const cf_command commands[] = {{2, doc_echo}};
static const size_t command_count = 1;

/* The profile in canonical form (describe serves it and its hash). */
static const char profile_text[] =
    "{\"comframe_profile\":1,\"commands\":[{\"id\":2,\"name\":\"echo\",\"request\":{\"struct\":[{\"name\":\"data\","
    "\"type\":\"u8[]\"}]},\"response\":{\"struct\":[{\"name\":\"data\",\"type\":\"u8[]\"}]}},{\"id\":65520,\"name\":\"describe\","
    "\"request\":\"comframe::devices::builtin::describe_request\",\"response\":\"comframe::devices::builtin::describe_response\"}],"
    "\"device\":\"doc_device\",\"endian\":\"little\",\"events\":[],\"types\":{\"comframe::devices::builtin::describe_request\":{\"struct\":[{\"name\":\"offset\","
    "\"type\":\"u32\"},{\"name\":\"max_bytes\",\"type\":\"u16\"}]},\"comframe::devices::builtin::describe_response\":{\"struct\":[{\"name\":\"hash\","
    "\"type\":\"u64\"},{\"name\":\"total\",\"type\":\"u32\"},{\"name\":\"chunk\",\"type\":\"char[]\"}]}},\"version\":\"1\"}";
#define profile_size ((uint32_t)(sizeof profile_text - 1))
#define profile_hash cf_fnv1a64(profile_text, profile_size)

#endif
