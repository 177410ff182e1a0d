#version 450
// The frame quad (triangle strip from gl_VertexIndex, no vertex buffer) with the rotation:
// the Vulkan twin of kFrameVertexShader (src/client/frame_shaders.h).
layout(push_constant) uniform Push {
  vec4 dest;        // NDC: left, top, right, bottom (Vulkan: y = -1 is the top)
  vec2 frame_size;  // frame pixels
  vec2 tex_size;    // texture texels
  vec2 footprint;   // frame pixels covered by one output pixel (area filter), frame axes
  ivec2 frame_px;   // frame pixels
  int rotation;     // 0..3: 0, 90, 180, 270 degrees clockwise
} pc;
layout(location = 0) out vec2 v_frame;  // frame pixel coordinate
layout(location = 1) out vec2 v_uv;     // the same, normalised for texture()
void main() {
  vec2 c = vec2(float(gl_VertexIndex & 1), float(gl_VertexIndex >> 1));  // (0,0) = top left
  gl_Position = vec4(mix(pc.dest.x, pc.dest.z, c.x), mix(pc.dest.y, pc.dest.w, c.y), 0.0, 1.0);
  vec2 f = c;
  if (pc.rotation == 1) f = vec2(c.y, 1.0 - c.x);
  else if (pc.rotation == 2) f = vec2(1.0 - c.x, 1.0 - c.y);
  else if (pc.rotation == 3) f = vec2(1.0 - c.y, c.x);
  v_frame = f * pc.frame_size;
  v_uv = v_frame / pc.tex_size;
}
