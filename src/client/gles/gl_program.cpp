#include "client/gles/gl_program.h"

#include <fmt/format.h>

#include <vector>

namespace kagami::client {
namespace {

Result<GLuint> compile(GLenum kind, const char* source) {
  GLuint shader = glCreateShader(kind);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok == GL_TRUE) return shader;
  GLint length = 0;
  glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
  std::vector<char> log(static_cast<std::size_t>(std::max(length, 1)));
  glGetShaderInfoLog(shader, length, nullptr, log.data());
  glDeleteShader(shader);
  return Error{fmt::format("the GL driver rejected a {} shader: {}",
                           kind == GL_VERTEX_SHADER ? "vertex" : "fragment", log.data())};
}

}  // namespace

Result<std::unique_ptr<GlProgram>> GlProgram::build(const char* vertex_source, const char* fragment_source) {
  auto vs = compile(GL_VERTEX_SHADER, vertex_source);
  if (!vs) return vs.error();
  auto fs = compile(GL_FRAGMENT_SHADER, fragment_source);
  if (!fs) {
    glDeleteShader(*vs);
    return fs.error();
  }
  GLuint program = glCreateProgram();
  glAttachShader(program, *vs);
  glAttachShader(program, *fs);
  glLinkProgram(program);
  glDeleteShader(*vs);
  glDeleteShader(*fs);
  GLint ok = GL_FALSE;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    char log[1024] = {};
    glGetProgramInfoLog(program, sizeof log, nullptr, log);
    glDeleteProgram(program);
    return Error{fmt::format("the GL driver could not link a shader program: {}", log)};
  }
  return std::unique_ptr<GlProgram>(new GlProgram(program));
}

GlProgram::~GlProgram() { glDeleteProgram(program_); }

}  // namespace kagami::client
