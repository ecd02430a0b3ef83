#include "cli/calibrate_command.h"

namespace pertoken::cli {

int RunCalibrateOps(const catalog::Catalog&, const CalibrateOpsOptions&, std::ostream&,
                    std::ostream& err) {
  err << "error: calibrate ops is not implemented yet\n";
  return 1;
}

}  // namespace pertoken::cli
