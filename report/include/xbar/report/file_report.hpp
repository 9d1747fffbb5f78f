#pragma once
// The report of any file xbar writes (`xbar report`): a folder of PNG plots with a markdown
// index.md. Campaign files (xbar.campaign/1, /2) of every kind, model files (xbar.model/1, /2) of
// kinds crossbar, tia, adc and tile, inference files (xbar.inference/1, /2) and sweep files
// (xbar.sweep/1). The file is checked (CRC trailer, schema, shapes) by the reader of the library
// that wrote it before anything is plotted; a damaged, foreign or unknown file is a ReportError
// (or the reader's own error) naming the file and what xbar covers. Plots are named
// `<stem>_*.png` after the input file's stem, so reports of several runs can share a folder.
#include <cstddef>
#include <string>

namespace xbar::report {

struct FileReport {
  std::string title;     ///< the index's title (file kind and name)
  std::string index;     ///< path of the written index.md
  std::string markdown;  ///< the index's text (key numbers and a line per plot)
  std::size_t plots = 0;  ///< number of PNG plots written
};

/// Writes the report of `path` into `folder` (created if missing; empty = "<stem>_report").
FileReport report_file(const std::string& path, const std::string& folder = "");

}  // namespace xbar::report
