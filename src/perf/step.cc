#include "perf/step.h"

namespace pertoken::perf {

const char* BottleneckName(Bottleneck b) {
  switch (b) {
    case Bottleneck::kCompute:
      return "compute";
    case Bottleneck::kMemory:
      return "memory bandwidth";
    case Bottleneck::kCommunication:
      return "communication";
    case Bottleneck::kOverhead:
      return "overhead";
  }
  return "";
}

StepTime PredictStep(const Deployment&, const StepShape&) { return {}; }

}  // namespace pertoken::perf
