// The import runner's writer thread: order, overlap, failures and leaving early.
#include "jobs/batch_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace rowgate::server {
namespace {

using namespace std::chrono_literals;

TEST(BatchWriter, RunsTasksInOrderOnAnotherThread) {
  BatchWriter writer;
  std::vector<int> ran;
  std::thread::id caller = std::this_thread::get_id(), worker;
  for (int i = 0; i < 50; ++i)
    writer.submit([&, i] {
      ran.push_back(i);
      worker = std::this_thread::get_id();
    });
  writer.drain();
  ASSERT_EQ(ran.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(ran[i], i);
  EXPECT_NE(worker, caller);
}

TEST(BatchWriter, TheCallerGoesOnWhileATaskRunsAndAtMostOneWaits) {
  BatchWriter writer;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  writer.submit([&] {
    ++started;
    released.wait();
  });
  while (started == 0) std::this_thread::yield();
  writer.submit([&] { ++started; });  // waits in the slot: submit returns at once
  auto third = std::async(std::launch::async, [&] { writer.submit([&] { ++started; }); });
  EXPECT_EQ(third.wait_for(200ms), std::future_status::timeout);  // the slot is taken
  release.set_value();
  third.get();
  writer.drain();
  EXPECT_EQ(started, 3);
}

TEST(BatchWriter, AFailureDropsTheWaitingTaskAndIsThrownToTheCallerOnce) {
  BatchWriter writer;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> second_ran{false};
  writer.submit([&] {
    released.wait();
    throw std::runtime_error("disk on fire");
  });
  writer.submit([&] { second_ran = true; });
  release.set_value();
  try {
    writer.drain();
    ADD_FAILURE() << "drain() did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk on fire");
  }
  EXPECT_FALSE(second_ran);
  // Thrown once: the writer is usable again.
  EXPECT_NO_THROW(writer.check());
  writer.submit([&] { second_ran = true; });
  writer.drain();
  EXPECT_TRUE(second_ran);
}

TEST(BatchWriter, SubmitAndCheckThrowAnEarlierFailure) {
  BatchWriter writer;
  writer.submit([] { throw std::logic_error("first"); });
  // The failure shows in check() once the task has run, or in the next submit().
  bool thrown = false;
  for (int i = 0; i < 200 && !thrown; ++i) {
    try {
      writer.check();
      std::this_thread::sleep_for(5ms);
    } catch (const std::logic_error&) {
      thrown = true;
    }
  }
  EXPECT_TRUE(thrown);
  writer.submit([] { throw std::logic_error("second"); });
  std::this_thread::sleep_for(50ms);
  EXPECT_THROW(writer.submit([] {}), std::logic_error);
}

TEST(BatchWriter, AbandonDropsTheWaitingTaskWaitsForTheRunningOneAndForgetsFailures) {
  BatchWriter writer;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first_done{false}, second_ran{false};
  writer.submit([&] {
    released.wait();
    first_done = true;
    throw std::runtime_error("ignored");
  });
  writer.submit([&] { second_ran = true; });
  auto releaser = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(100ms);
    release.set_value();
  });
  writer.abandon();
  EXPECT_TRUE(first_done);  // abandon() returned only once the running task was over
  EXPECT_FALSE(second_ran);
  EXPECT_NO_THROW(writer.drain());
  releaser.get();
}

}  // namespace
}  // namespace rowgate::server
