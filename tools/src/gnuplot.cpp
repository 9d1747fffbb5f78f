#include "gnuplot.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "xbar/fit/fit_error.hpp"

namespace xbar::tools {

void run_gnuplot(const std::string& script) {
  FILE* pipe = ::popen("gnuplot 2>&1", "w");
  if (!pipe) throw fit::FitError("cannot start gnuplot (is it installed?)");
  std::fwrite(script.data(), 1, script.size(), pipe);
  const int rc = ::pclose(pipe);
  if (rc != 0) throw fit::FitError(fmt::format("gnuplot failed (exit status {}); is it installed?", rc));
}

std::string gnuplot_terminal() {
  FILE* pipe = ::popen("gnuplot -e 'set terminal' 2>&1", "r");
  std::string out;
  if (pipe) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    ::pclose(pipe);
  }
  // noenhanced: names such as v_out are printed as written, not with subscripts.
  return out.find("pngcairo") != std::string::npos ? "pngcairo noenhanced size 900,700" : "png noenhanced size 900,700";
}

}  // namespace xbar::tools
