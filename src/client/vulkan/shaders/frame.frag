#version 450
// Unpacking, filtering and HDR tone mapping of the frame: the Vulkan twin of
// kFrameFragmentShaderBody (src/client/frame_shaders.h). TYPE, FILTER and TRANSFER are
// specialisation constants, so each pipeline is compiled with only its own branch (a software
// rasteriser runs every branch of a shader that decides at run time).
layout(constant_id = 0) const int TYPE = 1;      // KVMFR FrameType
layout(constant_id = 1) const int FILTER = 0;    // 0 nearest, 1 linear, 2 area
layout(constant_id = 2) const int TRANSFER = 0;  // 0 SDR, 1 scRGB linear, 2 PQ / BT.2020

layout(push_constant) uniform Push {
  vec4 dest;
  vec2 frame_size;
  vec2 tex_size;
  vec2 footprint;
  ivec2 frame_px;
  int rotation;
} pc;
layout(set = 0, binding = 0) uniform sampler2D u_tex;
layout(location = 0) in vec2 v_frame;
layout(location = 1) in vec2 v_uv;
layout(location = 0) out vec4 o_color;

// BGR_32: pixel x of row y is bytes 3x..3x+2 (B, G, R) of the row; one RGBA8 texel = 4 bytes.
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

// RGB_24: an R8 image three texels per pixel (R8G8B8 is rarely sampleable).
vec3 rgb24_pixel(ivec2 p) {
  int first = p.x * 3;
  return vec3(texelFetch(u_tex, ivec2(first, p.y), 0).r, texelFetch(u_tex, ivec2(first + 1, p.y), 0).r,
              texelFetch(u_tex, ivec2(first + 2, p.y), 0).r);
}

vec3 texel(ivec2 p) {
  p = clamp(p, ivec2(0), pc.frame_px - 1);
  if (TYPE == 5) return bgr32_pixel(p);
  if (TYPE == 6) return rgb24_pixel(p);
  return texelFetch(u_tex, p, 0).rgb;
}

vec3 sample_linear(vec2 f) {
  if (TYPE != 5 && TYPE != 6) return texture(u_tex, f / pc.tex_size).rgb;
  vec2 g = f - 0.5;
  ivec2 i = ivec2(floor(g));
  vec2 w = fract(g);
  return mix(mix(texel(i), texel(i + ivec2(1, 0)), w.x), mix(texel(i + ivec2(0, 1)), texel(i + ivec2(1, 1)), w.x),
             w.y);
}

// Shrinking: average a grid of bilinear taps over the output pixel's footprint.
vec3 sample_area(vec2 f) {
  ivec2 n = ivec2(clamp(ceil(pc.footprint), vec2(1.0), vec2(4.0)));
  vec3 sum = vec3(0.0);
  for (int j = 0; j < n.y; ++j) {
    for (int i = 0; i < n.x; ++i) {
      vec2 offset = (vec2(i, j) + 0.5) / vec2(n) - 0.5;
      sum += sample_linear(f + offset * pc.footprint);
    }
  }
  return sum / float(n.x * n.y);
}

vec3 pq_to_nits(vec3 e) {
  const float m1 = 0.1593017578125, m2 = 78.84375, c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
  vec3 p = pow(clamp(e, 0.0, 1.0), vec3(1.0 / m2));
  return 10000.0 * pow(max(p - c1, 0.0) / (c2 - c3 * p), vec3(1.0 / m1));
}

// Identity up to the knee, then a smooth roll-off that approaches 1 (docs/client.md).
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
  if (TRANSFER == 0) return c;
  vec3 linear_709;
  if (TRANSFER == 1) {
    linear_709 = c;  // scRGB: linear BT.709, 1.0 = SDR white (80 nits)
  } else {
    const mat3 bt2020_to_bt709 =
        mat3(1.6605, -0.1246, -0.0182, -0.5876, 1.1329, -0.1006, -0.0728, -0.0083, 1.1187);
    linear_709 = bt2020_to_bt709 * (pq_to_nits(c) / 203.0);  // 203 nits: BT.2408 reference white
  }
  return srgb_encode(tone_map(max(linear_709, 0.0)));
}

void main() {
  vec3 c;
  if (FILTER == 0)
    c = texel(ivec2(floor(v_frame)));
  else if (FILTER == 1)
    c = sample_linear(v_frame);
  else
    c = sample_area(v_frame);
  o_color = vec4(to_sdr(c), 1.0);
}
