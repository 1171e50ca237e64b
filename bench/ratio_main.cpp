// Runs the registered benchmarks, then prints each one's time as a ratio to the
// baseline measured in the same run (wall-clock time, and CPU time as "cpu ratio").
//
// Naming convention: "<group>/<variant>". In each group the variant named
// "baseline" is the reference; every other variant of the group is reported as
// time(variant) / time(baseline), so 1.00 means "as fast as the baseline" and
// larger means slower. Benchmarks with arguments keep them in the group:
// "frame_encode/baseline/1024" and "frame_encode/comframe/1024" compare.
// Where a variant and its baseline both have a "p50_ns" counter (latency
// benchmarks), the ratio of the two is printed as well ("p50 ratio"). The load
// average at the end of the run is printed last (Google Benchmark prints the
// one at the start).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

struct row {
  std::string group;
  std::string variant;
  double ns;
  double cpu_ns;
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

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
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
      r.cpu_ns = run.GetAdjustedCPUTime();
      for (const auto& [key, counter] : run.counters) r.counters[key] = counter.value;
      rows_.push_back(std::move(r));
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::map<std::string, const row*> baseline;
    for (const auto& r : rows_)
      if (r.variant == "baseline") baseline[r.group] = &r;
    std::printf("\n%-44s %-14s %12s %10s %10s %10s\n", "group", "variant", "time", "ratio", "cpu ratio", "p50 ratio");
    for (const auto& r : rows_) {
      auto it = baseline.find(r.group);
      std::string ratio = "-", cpu_ratio = "-", p50_ratio;
      if (r.variant == "baseline") {
        ratio = "1.00";
        cpu_ratio = "1.00";
        if (r.counters.count("p50_ns")) p50_ratio = "1.00";
      } else if (it != baseline.end()) {
        ratio = fixed(r.ns / it->second->ns, 2);
        if (it->second->cpu_ns > 0) cpu_ratio = fixed(r.cpu_ns / it->second->cpu_ns, 2);
        const auto mine = r.counters.find("p50_ns"), theirs = it->second->counters.find("p50_ns");
        if (mine != r.counters.end() && theirs != it->second->counters.end() && theirs->second > 0)
          p50_ratio = fixed(mine->second / theirs->second, 3);
      }
      std::printf("%-44s %-14s %12.1f %10s %10s %10s\n", r.group.c_str(), r.variant.c_str(), r.ns, ratio.c_str(),
                  cpu_ratio.c_str(), p50_ratio.c_str());
    }
    std::printf("(time: wall-clock, in the benchmark's unit; ratio = time / baseline time, lower is faster; "
                "cpu ratio = the same of CPU time; p50 ratio = p50_ns / baseline p50_ns)\n");
    std::ifstream load("/proc/loadavg");
    std::string one, five, fifteen;
    if (load >> one >> five >> fifteen)
      std::printf("load average at the end: %s, %s, %s\n", one.c_str(), five.c_str(), fifteen.c_str());
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
