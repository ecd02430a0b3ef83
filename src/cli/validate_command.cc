#include "cli/validate_command.h"

namespace pertoken::cli {

int RunValidate(const catalog::Catalog&, const ValidateOptions&, std::ostream&, std::ostream& err) {
  err << "error: validate is not implemented yet\n";
  return 1;
}

}  // namespace pertoken::cli
