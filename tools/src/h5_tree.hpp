#pragma once
// `xbar inspect` of any xbar HDF5 file that is not a campaign (model files of every kind,
// inference files): every group with its attributes and every dataset with its shape, type and
// attributes, as indented text or as one JSON object.
//
// JSON layout: {"file": path, "attrs": {...}, "groups": {name: {"attrs", "groups", "datasets"}},
// "datasets": {name: {"shape": [..], "type": "float"|"int"|"uint"|"string"|"other",
// "attrs": {...}, "values": [...] (only when it has at most `max_values` elements)}}}.
// Attribute values are numbers (NaN and infinities as null), strings, or arrays of them.
#include <string>

namespace xbar::tools {

/// Writes the tree of `path` to stdout. Throws xbar::Error naming the file when it is not a
/// readable HDF5 file.
void print_h5_tree(const std::string& path, bool json, std::size_t max_values = 64);

/// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
std::string json_string(const std::string& s);

}  // namespace xbar::tools
