#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>

#include <atomic>

namespace sillok::test {
namespace {

std::atomic<bool> g_failed{false};

// Remembers whether the running test case has failed, so that ScratchDir can keep its files.
struct FailureListener : doctest::IReporter {
    explicit FailureListener(const doctest::ContextOptions& /*options*/) {}
    void report_query(const doctest::QueryData& /*data*/) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& /*stats*/) override {}
    void test_case_start(const doctest::TestCaseData& /*data*/) override { g_failed = false; }
    void test_case_reenter(const doctest::TestCaseData& /*data*/) override {}
    void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override {}
    void test_case_exception(const doctest::TestCaseException& /*e*/) override { g_failed = true; }
    void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& data) override
    {
        if (data.m_failed) {
            g_failed = true;
        }
    }
    void log_message(const doctest::MessageData& /*data*/) override {}
    void test_case_skipped(const doctest::TestCaseData& /*data*/) override {}
};

} // namespace

bool current_test_failed() { return g_failed; }

} // namespace sillok::test

DOCTEST_REGISTER_LISTENER("sillok_failure_listener", 1, sillok::test::FailureListener);
