#pragma once
// A linked GLSL ES 3.00 program (vertex + fragment); errors carry the driver's log.
#include <GLES3/gl3.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace kagami::client {

class GlProgram {
 public:
  static Result<std::unique_ptr<GlProgram>> build(const char* vertex_source, const char* fragment_source);
  ~GlProgram();
  GlProgram(const GlProgram&) = delete;
  GlProgram& operator=(const GlProgram&) = delete;

  GLuint id() const { return program_; }
  GLint uniform(const char* name) const { return glGetUniformLocation(program_, name); }

 private:
  explicit GlProgram(GLuint program) : program_(program) {}
  GLuint program_ = 0;
};

}  // namespace kagami::client
