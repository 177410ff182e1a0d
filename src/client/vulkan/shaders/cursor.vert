#version 450
// The cursor quad: the Vulkan twin of the GLES cursor pass (src/client/gles/cursor_draw.cpp).
layout(push_constant) uniform Push {
  vec4 dest;  // NDC: left, top, right, bottom
} pc;
layout(location = 0) out vec2 v_uv;
void main() {
  vec2 c = vec2(float(gl_VertexIndex & 1), float(gl_VertexIndex >> 1));
  gl_Position = vec4(mix(pc.dest.x, pc.dest.z, c.x), mix(pc.dest.y, pc.dest.w, c.y), 0.0, 1.0);
  v_uv = c;
}
