#include "h5_tree.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "xbar/core/error.hpp"

namespace xbar::tools {

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      o += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      o += c;
    }
  }
  return o + "\"";
}

namespace {


std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

// An attribute or dataset read as numbers or strings; `kind` names the HDF5 class.
struct Values {
  std::string kind;  // float, int, uint, string, other
  std::vector<hsize_t> shape;
  std::vector<double> numbers;
  std::vector<std::string> strings;
  std::size_t count() const {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

template <class Read>
Values read_values(hid_t type, hid_t space, std::size_t max_values, Read read) {
  Values v;
  const int rank = H5Sget_simple_extent_ndims(space);
  v.shape.resize(rank > 0 ? static_cast<std::size_t>(rank) : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space, v.shape.data(), nullptr);
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t n = v.count();
  if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
    v.kind = cls == H5T_FLOAT ? "float" : (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int");
    if (n <= max_values) {
      v.numbers.resize(n);
      if (n && read(H5T_NATIVE_DOUBLE, v.numbers.data()) < 0) v.numbers.clear();
    }
  } else if (cls == H5T_STRING) {
    v.kind = "string";
    if (n <= max_values && n > 0) {
      if (H5Tis_variable_str(type) > 0) {
        std::vector<char*> buf(n, nullptr);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(type));  // HDF5 converts no character sets (xbar writes UTF-8)
        if (read(mt, buf.data()) >= 0)
          for (char* c : buf) v.strings.emplace_back(c ? c : "");
        // Variable-length strings are freed by H5Dvlen_reclaim / H5free_memory.
        for (char* c : buf) H5free_memory(c);
        H5Tclose(mt);
      } else {
        const std::size_t size = H5Tget_size(type);
        std::vector<char> buf(n * size + 1, '\0');
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, size);
        H5Tset_cset(mt, H5Tget_cset(type));
        H5Tset_strpad(mt, H5Tget_strpad(type));
        if (read(mt, buf.data()) >= 0)
          for (std::size_t i = 0; i < n; ++i) {
            std::string s(buf.data() + i * size, size);
            s.erase(s.find_last_not_of('\0') + 1);
            v.strings.push_back(s);
          }
        H5Tclose(mt);
      }
    }
  } else {
    v.kind = "other";
  }
  return v;
}

Values read_attribute(hid_t obj, const char* name, std::size_t max_values) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = H5Aget_type(a), s = H5Aget_space(a);
  Values v = read_values(t, s, max_values, [&](hid_t mt, void* buf) { return H5Aread(a, mt, buf); });
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return v;
}

std::string values_json(const Values& v) {
  const bool scalar = v.shape.empty();
  std::vector<std::string> items;
  if (v.kind == "string") {
    for (const auto& s : v.strings) items.push_back(json_string(s));
  } else {
    for (double d : v.numbers) items.push_back(json_number(d));
  }
  if (scalar && items.size() == 1) return items[0];
  std::string o = "[";
  for (std::size_t i = 0; i < items.size(); ++i) o += (i ? ", " : "") + items[i];
  return o + "]";
}

std::string values_text(const Values& v) {
  if (v.kind == "string") {
    if (v.strings.size() == 1 && v.shape.empty()) {
      std::string s = v.strings[0];
      const auto nl = s.find('\n');
      return nl == std::string::npos ? s : s.substr(0, nl) + fmt::format(" ... ({} lines)", 1 + std::count(s.begin(), s.end(), '\n'));
    }
  }
  if (v.numbers.size() == 1 && v.shape.empty()) return fmt::format("{:.10g}", v.numbers[0]);
  std::string shape;
  for (auto d : v.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
  if (v.numbers.empty() && v.strings.empty()) return fmt::format("{} [{}]", v.kind, shape);
  std::string o = fmt::format("{} [{}]:", v.kind, shape);
  std::size_t shown = 0;
  for (double d : v.numbers) {
    if (shown++ == 8) return o + " ...";
    o += fmt::format(" {:.6g}", d);
  }
  for (const auto& s : v.strings) {
    if (shown++ == 8) return o + " ...";
    o += " " + s;
  }
  return o;
}

std::vector<std::string> attribute_names(hid_t obj) {
  std::vector<std::string> names;
  H5O_info_t info{};
#if H5_VERSION_GE(1, 12, 0)
  H5Oget_info3(obj, &info, H5O_INFO_NUM_ATTRS);
#else
  H5Oget_info(obj, &info);
#endif
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    char name[512] = {};
    if (H5Aget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) >= 0)
      names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  H5G_info_t info{};
  if (H5Gget_info(group, &info) < 0) return names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[512] = {};
    if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) >= 0)
      names.emplace_back(name);
  }
  return names;
}

std::string attrs_json(hid_t obj, std::size_t max_values) {
  std::string o = "{";
  bool first = true;
  for (const auto& a : attribute_names(obj)) {
    o += (first ? "" : ", ") + json_string(a) + ": " + values_json(read_attribute(obj, a.c_str(), max_values));
    first = false;
  }
  return o + "}";
}

void walk(hid_t group, const std::string& full, bool json, std::size_t max_values, int depth, std::string* out) {
  const std::string pad(static_cast<std::size_t>(2 * depth), ' ');
  std::vector<std::string> groups, datasets;
  for (const auto& n : link_names(group)) {
    H5O_info_t info{};
#if H5_VERSION_GE(1, 12, 0)
    if (H5Oget_info_by_name3(group, n.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) continue;
#else
    if (H5Oget_info_by_name(group, n.c_str(), &info, H5P_DEFAULT) < 0) continue;
#endif
    (info.type == H5O_TYPE_GROUP ? groups : datasets).push_back(n);
  }
  if (json) {
    *out += "{\"attrs\": " + attrs_json(group, max_values) + ", \"datasets\": {";
    for (std::size_t i = 0; i < datasets.size(); ++i) {
      hid_t d = H5Dopen2(group, datasets[i].c_str(), H5P_DEFAULT);
      hid_t t = H5Dget_type(d), s = H5Dget_space(d);
      const Values v = read_values(t, s, max_values, [&](hid_t mt, void* buf) {
        return H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
      });
      std::string shape = "[";
      for (std::size_t k = 0; k < v.shape.size(); ++k) shape += (k ? ", " : "") + std::to_string(v.shape[k]);
      shape += "]";
      *out += (i ? ", " : "") + json_string(datasets[i]) + ": {\"shape\": " + shape + ", \"type\": \"" + v.kind +
              "\", \"attrs\": " + attrs_json(d, max_values);
      if (!v.numbers.empty() || !v.strings.empty()) *out += ", \"values\": " + values_json(v);
      *out += "}";
      H5Sclose(s);
      H5Tclose(t);
      H5Dclose(d);
    }
    *out += "}, \"groups\": {";
    for (std::size_t i = 0; i < groups.size(); ++i) {
      hid_t g = H5Gopen2(group, groups[i].c_str(), H5P_DEFAULT);
      *out += (i ? ", " : "") + json_string(groups[i]) + ": ";
      walk(g, full + (full == "/" ? "" : "/") + groups[i], json, max_values, depth + 1, out);
      H5Gclose(g);
    }
    *out += "}}";
    return;
  }
  for (const auto& a : attribute_names(group))
    *out += fmt::format("{}  @{} = {}\n", pad, a, values_text(read_attribute(group, a.c_str(), max_values)));
  for (const auto& n : datasets) {
    hid_t d = H5Dopen2(group, n.c_str(), H5P_DEFAULT);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    const Values v = read_values(t, s, 8, [&](hid_t mt, void* buf) {
      return H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    });
    std::string unit;
    if (H5Aexists(d, "unit") > 0) {
      const Values u = read_attribute(d, "unit", 1);
      if (!u.strings.empty()) unit = " " + u.strings[0];
    }
    *out += fmt::format("{}  {} (dataset) {}{}\n", pad, n, values_text(v), unit);
    H5Sclose(s);
    H5Tclose(t);
    H5Dclose(d);
  }
  for (const auto& n : groups) {
    const std::string child = full + (full == "/" ? "" : "/") + n;
    *out += fmt::format("{}{}\n", pad, child);
    hid_t g = H5Gopen2(group, n.c_str(), H5P_DEFAULT);
    walk(g, child, json, max_values, depth + 1, out);
    H5Gclose(g);
  }
}

}  // namespace

void print_h5_tree(const std::string& path, bool json, std::size_t max_values) {
  H5E_auto2_t old_func = nullptr;
  void* old_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    throw xbar::Error(path + ": not an HDF5 file (or unreadable); xbar inspect reads campaign, model and inference files");
  }
  std::string out;
  if (json) {
    out = "{\"file\": " + json_string(path) + ", ";
    std::string body;
    walk(f, "/", true, max_values, 0, &body);
    out += body.substr(1) + "\n";
  } else {
    out = path + "\n";
    walk(f, "/", false, max_values, 0, &out);
  }
  H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
  std::fputs(out.c_str(), stdout);
}

}  // namespace xbar::tools
