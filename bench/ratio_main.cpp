// Runs the registered benchmarks, then prints each one's time as a ratio to the
// baseline measured in the same run.
//
// Naming convention: "<group>/<variant>". In each group the variant named
// "baseline" is the reference; every other variant of the group is reported as
// time(variant) / time(baseline), so 1.00 means "as fast as the baseline" and
// larger means slower. Benchmarks with arguments keep them in the group:
// "frame_encode/baseline/1024" and "frame_encode/comframe/1024" compare.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

struct row {
  std::string group;
  std::string variant;
  double ns;
  std::map<std::string, double> counters;
};

// Splits "a/b/c/d" into group "a/c/d" (every part but the second) and variant "b".
bool split_name(const std::string& name, std::string& group, std::string& variant) {
  auto first = name.find('/');
  if (first == std::string::npos) return false;
  auto second = name.find('/', first + 1);
  group = name.substr(0, first);
  if (second == std::string::npos) {
    variant = name.substr(first + 1);
  } else {
    variant = name.substr(first + 1, second - first - 1);
    group += name.substr(second);
  }
  return true;
}

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      // With repetitions, use the median aggregate only; without, the plain run.
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      if (run.run_type == Run::RT_Iteration && run.repetitions > 1) continue;
      std::string name = run.run_name.str();
      row r;
      if (!split_name(name, r.group, r.variant)) continue;
      r.ns = run.GetAdjustedRealTime();
      for (const auto& [key, counter] : run.counters) r.counters[key] = counter.value;
      rows_.push_back(std::move(r));
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::map<std::string, double> baseline;
    for (const auto& r : rows_)
      if (r.variant == "baseline") baseline[r.group] = r.ns;
    std::printf("\n%-44s %-14s %12s %10s\n", "group", "variant", "time", "ratio");
    for (const auto& r : rows_) {
      auto it = baseline.find(r.group);
      if (it == baseline.end() || r.variant == "baseline") {
        std::printf("%-44s %-14s %12.1f %10s\n", r.group.c_str(), r.variant.c_str(), r.ns,
                    r.variant == "baseline" ? "1.00" : "-");
      } else {
        std::printf("%-44s %-14s %12.1f %10.2f\n", r.group.c_str(), r.variant.c_str(), r.ns,
                    r.ns / it->second);
      }
    }
    std::printf("(time in the benchmark's unit; ratio = time / baseline time, lower is faster)\n");
  }

 private:
  std::vector<row> rows_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
