#pragma once
// The SPA parameters the portal stream is negotiated with, built in C (pipewire_params.c): the
// SPA builder macros use C99 compound literals, which C++ does not have.
#include <spa/pod/builder.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// EnumFormat: raw video in one of the 32-bit RGB layouts KVMFR carries (BGRx, BGRA, RGBx, RGBA).
const struct spa_pod* kagami_pw_format_param(struct spa_pod_builder* b);
// After the format is fixed: shared-memory buffers (MemFd or MemPtr) of `stride` x `height`,
// and the metadata kagami reads: header, damage (up to `damage_rects`), cursor (up to 256x256).
// Writes up to 4 params into `params`; returns how many.
uint32_t kagami_pw_buffer_params(struct spa_pod_builder* b, const struct spa_pod** params, int32_t stride,
                                 int32_t height, int32_t damage_rects);

#ifdef __cplusplus
}
#endif
