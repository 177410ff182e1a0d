#pragma once
// GLSL ES 3.00 sources of the frame pass: rotation in the vertex shader; unpacking, filtering and
// HDR tone mapping in the fragment shader. The fragment shader is specialised with #defines per
// frame type, filter and transfer function: a software rasteriser (llvmpipe) runs every branch of
// a shader that decides at run time, which made a 1080p draw ~50x slower.

namespace kagami::client {

inline constexpr const char* kFrameVertexShader = R"(#version 300 es
// A quad from gl_VertexID (triangle strip), no vertex buffer.
uniform vec4 u_dest;       // NDC: left, top, right, bottom
uniform int u_rotation;    // 0..3: 0, 90, 180, 270 degrees clockwise
uniform vec2 u_frame_size; // frame pixels
uniform vec2 u_tex_size;   // texture texels
out vec2 v_frame;          // frame pixel coordinate
out vec2 v_uv;             // the same, normalised for texture()
void main() {
  vec2 c = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));  // (0,0) = top left on screen
  gl_Position = vec4(mix(u_dest.x, u_dest.z, c.x), mix(u_dest.y, u_dest.w, c.y), 0.0, 1.0);
  vec2 f = c;
  if (u_rotation == 1) f = vec2(c.y, 1.0 - c.x);
  else if (u_rotation == 2) f = vec2(1.0 - c.x, 1.0 - c.y);
  else if (u_rotation == 3) f = vec2(1.0 - c.y, c.x);
  v_frame = f * u_frame_size;
  v_uv = v_frame / u_tex_size;
}
)";

// The common case (8-bit SDR, nearest or linear): one texture() of an interpolated coordinate and
// nothing else. llvmpipe recognises this shape and runs it on its fast linear path (~4x faster
// than a shader that computes its own coordinates); BGRA textures are stored as BGRA for it.
inline constexpr const char* kFrameFragmentShaderSimple = R"(#version 300 es
precision mediump float;
uniform sampler2D u_tex;
in vec2 v_uv;
out vec4 o_color;
void main() { o_color = texture(u_tex, v_uv); }
)";

// Prefix with "#version 300 es" and #defines of TYPE (KVMFR FrameType), FILTER (0 nearest,
// 1 linear, 2 area) and TRANSFER (0 SDR, 1 scRGB linear, 2 PQ / BT.2020).
inline constexpr const char* kFrameFragmentShaderBody = R"(
precision highp float;
precision highp int;
uniform highp sampler2D u_tex;
uniform vec2 u_tex_size;     // texture texels
uniform ivec2 u_frame_px;   // frame pixels
uniform vec2 u_footprint;    // frame pixels covered by one output pixel (area filter)
in vec2 v_frame;
in vec2 v_uv;
out vec4 o_color;

// BGR_32: pixel x of row y is bytes 3x..3x+2 (B, G, R) of the row, texel = byte / 4.
vec3 bgr32_pixel(ivec2 p) {
  int first = p.x * 3;
  vec3 bgr;
  for (int k = 0; k < 3; ++k) {
    int b = first + k;
    vec4 t = texelFetch(u_tex, ivec2(b >> 2, p.y), 0);
    bgr[k] = t[b & 3];
  }
  return bgr.zyx;
}

vec3 texel(ivec2 p) {
  p = clamp(p, ivec2(0), u_frame_px - 1);
#if TYPE == 5
  return bgr32_pixel(p);
#else
  return texelFetch(u_tex, p, 0).rgb;
#endif
}

vec3 sample_linear(vec2 f) {
#if TYPE != 5
  return texture(u_tex, f / u_tex_size).rgb;
#else
  vec2 g = f - 0.5;
  ivec2 i = ivec2(floor(g));
  vec2 w = fract(g);
  return mix(mix(texel(i), texel(i + ivec2(1, 0)), w.x), mix(texel(i + ivec2(0, 1)), texel(i + ivec2(1, 1)), w.x),
             w.y);
#endif
}

// Shrinking: average a grid of bilinear taps over the output pixel's footprint.
vec3 sample_area(vec2 f) {
  ivec2 n = ivec2(clamp(ceil(u_footprint), vec2(1.0), vec2(4.0)));
  vec3 sum = vec3(0.0);
  for (int j = 0; j < n.y; ++j) {
    for (int i = 0; i < n.x; ++i) {
      vec2 offset = (vec2(i, j) + 0.5) / vec2(n) - 0.5;
      sum += sample_linear(f + offset * u_footprint);
    }
  }
  return sum / float(n.x * n.y);
}

vec3 pq_to_nits(vec3 e) {
  const float m1 = 0.1593017578125, m2 = 78.84375, c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
  vec3 p = pow(clamp(e, 0.0, 1.0), vec3(1.0 / m2));
  return 10000.0 * pow(max(p - c1, 0.0) / (c2 - c3 * p), vec3(1.0 / m1));
}

// Identity up to the knee, then a smooth roll-off that approaches 1: SDR content in an HDR frame
// keeps its colours, highlights compress instead of clipping.
vec3 tone_map(vec3 x) {
  const float knee = 0.8;
  vec3 t = max(x - knee, 0.0) / (1.0 - knee);
  vec3 rolled = knee + (1.0 - knee) * t / (1.0 + t);
  return mix(x, rolled, step(knee, x));
}

vec3 srgb_encode(vec3 l) {
  l = clamp(l, 0.0, 1.0);
  return mix(l * 12.92, 1.055 * pow(l, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, l));
}

vec3 to_sdr(vec3 c) {
#if TRANSFER == 0
  return c;
#else
#if TRANSFER == 1
  vec3 linear_709 = c;  // scRGB: linear BT.709, 1.0 = SDR white (80 nits)
#else
  const mat3 bt2020_to_bt709 = mat3(1.6605, -0.1246, -0.0182, -0.5876, 1.1329, -0.1006, -0.0728, -0.0083, 1.1187);
  vec3 linear_709 = bt2020_to_bt709 * (pq_to_nits(c) / 203.0);  // 203 nits: BT.2408 reference white
#endif
  return srgb_encode(tone_map(max(linear_709, 0.0)));
#endif
}

void main() {
#if FILTER == 0
  vec3 c = texel(ivec2(floor(v_frame)));
#elif FILTER == 1
  vec3 c = sample_linear(v_frame);
#else
  vec3 c = sample_area(v_frame);
#endif
  o_color = vec4(to_sdr(c), 1.0);
}
)";

}  // namespace kagami::client
