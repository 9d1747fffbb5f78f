#pragma once
// Private to report/: the builders behind report_file() (file_report.hpp), one source per kind of
// input (file_report_campaign.cpp, file_report_crossbar.cpp, file_report_model.cpp,
// file_report_sweep.cpp, file_report_inference.cpp). Each reads its file with the library reader
// that checks it (CRC, schema, shapes), adds plots, sections and key numbers to `out`, and returns
// the index title.
#include <string>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"
#include "xbar/report/report_folder.hpp"

namespace xbar::report {

/// Any campaign file (xbar.campaign/1 or /2): crossbar, opamp, tia, adc or tile.
std::string report_campaign(const std::string& path, report::ReportFolder& out);
/// The crossbar kind (called by report_campaign).
std::string report_crossbar_campaign(const std::string& path, const characterize::CampaignFile& f,
                                     report::ReportFolder& out);
/// A model file (xbar.model/1 or /2) of kind crossbar, tia, adc or tile.
std::string report_model(const std::string& path, report::ReportFolder& out);
/// A sweep file (xbar.sweep/1).
std::string report_sweep(const std::string& path, report::ReportFolder& out);
/// An inference file (xbar.inference/1 or /2).
std::string report_inference(const std::string& path, report::ReportFolder& out);

/// The values of a campaign field over the ok samples, flattened (sample-major).
std::vector<double> ok_values(const characterize::CampaignFile& f, const std::string& field);
/// A unit's display scale: "V" -> (1e3, "mV"), "A" -> (1e6, "µA"), "J" -> (1e12, "pJ"),
/// "s" -> (1e9, "ns"), "Hz" -> (1e-6, "MHz"), "ohm" -> kΩ when typical values are >= 1e3, else as
/// is; "1" for a field named *_lsb -> "LSB".
std::pair<double, std::string> display_unit(const std::string& unit, const std::string& field,
                                            const std::vector<double>& values);
/// "mean sd min max" of the finite values, formatted with 4 significant digits.
std::vector<std::string> summary_cells(const std::vector<double>& values);

}  // namespace xbar::report
