#pragma once
// One guest for a whole test suite: a boot costs seconds under TCG, so the tests of one binary
// share it. Booted in the derived SetUpTestSuite through boot(); every test fails with the boot
// error when it did not come up; on a failure the work directory is kept and the guest's
// diagnostics are printed.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "guest_vm.h"

namespace kagami::vm_test {

class GuestSuite : public ::testing::Test {
 protected:
  static void boot(VmOptions options) {
    auto vm = GuestVm::start(std::move(options));
    if (vm) {
      vm_ = std::move(*vm);
    } else {
      boot_error_ = vm.error().message;
    }
  }
  static void TearDownTestSuite() {
    vm_.reset();
    boot_error_.clear();
  }
  void SetUp() override { ASSERT_NE(vm_, nullptr) << "the guest did not boot: " << boot_error_; }
  void TearDown() override {
    if (HasFailure() && vm_ != nullptr) {
      vm_->keep_work_dir();
      print_diagnostics();
    }
  }
  // What a failed test prints; tests with more to say (an agent's log) add to it.
  virtual void print_diagnostics() { std::printf("%s\n", vm_->diagnostics().c_str()); }

  static GuestVm& vm() { return *vm_; }

  static inline std::unique_ptr<GuestVm> vm_;
  static inline std::string boot_error_;
};

}  // namespace kagami::vm_test
