// Native single-thread dry run over generated files (../shared/data/gen_import_files.py).
// The files are named by environment variables so the benchmark never generates data itself:
//   ROWGATE_BENCH_PROSPECTS     a prospects CSV (e.g. 500,000 rows, 114.9 MB)
//   ROWGATE_BENCH_PARTICIPANTS  a participants JSONL
//   ROWGATE_BENCH_CONTEXT       the context JSON with the program's groups
// bench/run_native.sh sets them up and records the figures in bench/results/.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "rowgate/report.h"
#include "rowgate/session.h"

namespace {

std::string slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Counts only: what a dry run must at least produce.
class CountingSink : public rowgate::Sink {
 public:
  void on_finding(const rowgate::Finding&) override { ++findings; }
  void on_record(const rowgate::RecordResult&) override { ++records; }
  std::uint64_t findings = 0, records = 0;
};

void dry_run(benchmark::State& state, const char* file_env, const char* template_name) {
  const char* path = std::getenv(file_env);
  if (!path) {
    state.SkipWithError((std::string(file_env) + " is not set").c_str());
    return;
  }
  const std::string bytes = slurp(path);
  const char* context_path = std::getenv("ROWGATE_BENCH_CONTEXT");
  rowgate::Context context;
  if (context_path) context = rowgate::parse_context(slurp(context_path)).value;
  const rowgate::Template tmpl = rowgate::builtin_template(template_name).value;
  const std::size_t chunk = static_cast<std::size_t>(state.range(0));
  std::uint64_t rows = 0;
  for (auto _ : state) {
    CountingSink sink;
    rowgate::Session session(tmpl, context, rowgate::Options{}, sink);
    for (std::size_t i = 0; i < bytes.size(); i += chunk) session.feed(std::string_view(bytes).substr(i, chunk));
    session.finish();
    rows = session.summary().rows;
    benchmark::DoNotOptimize(sink.records);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
  state.counters["rows"] = static_cast<double>(rows);
}

void BM_DryRunProspectsCsv(benchmark::State& state) { dry_run(state, "ROWGATE_BENCH_PROSPECTS", "prospects"); }
void BM_DryRunParticipantsJsonl(benchmark::State& state) { dry_run(state, "ROWGATE_BENCH_PARTICIPANTS", "participants"); }

BENCHMARK(BM_DryRunProspectsCsv)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DryRunParticipantsJsonl)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
