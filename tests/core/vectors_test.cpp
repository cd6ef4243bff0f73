// Every shared vector, whole and in chunks: the output must equal expected.json byte for byte
// and must not depend on where the chunks break.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "vector_runner.h"

namespace rowgate::testing {
namespace {

class Vectors : public ::testing::TestWithParam<std::string> {};

TEST_P(Vectors, MatchesExpected) {
  const std::string dir = vector_dir(GetParam());
  VectorOutput got = run_vector(GetParam(), 0);
  ASSERT_TRUE(got.error.empty()) << got.error;
  if (std::getenv("ROWGATE_UPDATE_VECTORS")) {
    std::ofstream(dir + "/expected.json", std::ios::binary) << got.report;
    std::ofstream(dir + "/expected_results.jsonl", std::ios::binary) << got.results;
  }
  EXPECT_EQ(got.report, read_file(dir + "/expected.json"));
  EXPECT_EQ(got.results, read_file(dir + "/expected_results.jsonl"));
}

TEST_P(Vectors, ChunkBoundariesDoNotMatter) {
  VectorOutput whole = run_vector(GetParam(), 0);
  ASSERT_TRUE(whole.error.empty()) << whole.error;
  for (std::size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    VectorOutput part = run_vector(GetParam(), chunk);
    EXPECT_EQ(part.report, whole.report) << "chunk size " << chunk;
    EXPECT_EQ(part.results, whole.results) << "chunk size " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, Vectors, ::testing::ValuesIn(vector_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace rowgate::testing
