// The inference result file, schema "xbar.inference/2" (data/INFERENCE_SCHEMA.md; /1 stored
// strings variable-length, /2 fixed-length). Written with the HDF5 plumbing of the model files
// (xbar/behavioral/hdf5_io.hpp).
#include <fmt/format.h>

#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/networks/inference.hpp"

namespace xbar::networks {

namespace {

using behavioral::detail::Hid;
using behavioral::detail::Writer;

Eigen::VectorXd to_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

// int64 dataset of any shape, row-major.
void write_int64(const Writer& w, hid_t parent, const std::string& name, const std::string& full,
                 const std::vector<long long>& data, const std::vector<hsize_t>& dims) {
  Hid space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Hid ds(H5Dcreate2(parent, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!ds.ok() || H5Dwrite(ds.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    w.fail("dataset " + full, "cannot write");
  w.str(ds.get(), full, "unit", "images");
}

std::vector<long long> flat(const Eigen::MatrixXi& m) {  // row-major
  std::vector<long long> out;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out.push_back(m(i, j));
  return out;
}

void write_chip(const Writer& w, hid_t file, const std::string& full, const ChipResult& r) {
  Hid g = w.group(file, full.substr(1), full);
  w.f64(g.get(), full, "accuracy", r.accuracy);
  w.f64(g.get(), full, "program_s", r.program_s);
  w.f64(g.get(), full, "run_s", r.run_s);
  w.i64(g.get(), full, "tile_mvms", r.tile_mvms);
  write_int64(w, g.get(), "confusion", full + "/confusion", flat(r.confusion), {10, 10});
}

}  // namespace

void write_inference_file(const std::string& path, const InferenceResult& r) { write_inference_file(path, r, {}); }

void write_inference_file(const std::string& path, const InferenceResult& r,
                          const std::function<void(std::int64_t file_id)>& extra) {
  behavioral::detail::write_model_file_atomically(path, [&](const Writer& w, hid_t file) {
    if (extra) extra(static_cast<std::int64_t>(file));
    const InferenceOptions& o = r.options;
    w.str(file, "/", "schema", "xbar.inference/2");
    {
      Hid g = w.group(file, "settings", "/settings");
      const std::string at = "/settings";
      w.str(g.get(), at, "network_path", o.network_path);
      w.str(g.get(), at, "network_sha256", r.network_sha256);
      w.str(g.get(), at, "tile_path", o.tile_path);
      w.str(g.get(), at, "tile_sha256", r.tile_sha256);
      w.str(g.get(), at, "data_dir", o.data_dir);
      w.str(g.get(), at, "dataset", "fashion-mnist test");
      w.i64(g.get(), at, "images", r.images);
      w.i64(g.get(), at, "chips", o.chips);
      w.u64(g.get(), at, "seed", o.seed);
      w.i64(g.get(), at, "batch_size", o.batch_size);
      w.str(g.get(), at, "preprocess", o.preprocess.describe());
      w.f64(g.get(), at, "preprocess_scale", o.preprocess.scale);
      w.f64(g.get(), at, "preprocess_mean", o.preprocess.mean);
      w.f64(g.get(), at, "preprocess_std", o.preprocess.std);
      const auto& n = r.design.tile.nominal;
      w.i64(g.get(), at, "dac_bits", n.dac.bits);
      w.i64(g.get(), at, "adc_bits", n.adc.front().bits);
      w.i64(g.get(), at, "tile_rows", n.crossbar.rows);
      w.i64(g.get(), at, "tile_cols", n.crossbar.cols);
      w.f64(g.get(), at, "r_row_wire_ohm", n.crossbar.r_row_wire_ohm);
      w.f64(g.get(), at, "r_col_wire_ohm", n.crossbar.r_col_wire_ohm);
      w.f64(g.get(), at, "g_min_s", r.design.tile.g_min_s);
      w.f64(g.get(), at, "g_max_s", r.design.tile.g_max_s);
      w.str(g.get(), at, "weight_mapping", "differential pairs (G+ column 2j, G- column 2j+1)");
      w.str(g.get(), at, "weight_scaling", o.mapping.per_column_scaling ? "per column" : "per layer");
      w.f64(g.get(), at, "input_quantile", o.mapping.input_quantile);
      w.f64(g.get(), at, "output_quantile", o.mapping.output_quantile);
      w.f64(g.get(), at, "offset_headroom_sigma", o.mapping.offset_headroom_sigma);
      w.i64(g.get(), at, "offset_calibration", o.mapping.offset_calibration ? 1 : 0);
      w.i64(g.get(), at, "calibration_images", o.mapping.calibration_images);
      w.u64(g.get(), at, "calibration_seed", o.mapping.calibration_seed);
      w.str(g.get(), at, "calibration_set", "fashion-mnist train (never test images)");
    }
    {
      Hid g = w.group(file, "results", "/results");
      const std::string at = "/results";
      w.f64(g.get(), at, "digital_accuracy", r.digital.accuracy);
      w.f64(g.get(), at, "nominal_accuracy", o.nominal ? r.nominal.accuracy : std::nan(""));
      w.f64(g.get(), at, "mean_accuracy", r.mean_accuracy);
      w.f64(g.get(), at, "std_accuracy", r.std_accuracy);
      w.f64(g.get(), at, "mean_accuracy_ci95_low", r.ci95_low);
      w.f64(g.get(), at, "mean_accuracy_ci95_high", r.ci95_high);
      w.f64(g.get(), at, "calibration_s", r.calibration_s);
      w.i64(g.get(), at, "tile_mvms_per_image", r.tile_mvms_per_image);
      w.i64(g.get(), at, "tiles", r.design.tiles());
      std::vector<double> acc, prog, run;
      std::vector<long long> conf;
      for (const ChipResult& c : r.chips) {
        acc.push_back(c.accuracy);
        prog.push_back(c.program_s);
        run.push_back(c.run_s);
        const auto f = flat(c.confusion);
        conf.insert(conf.end(), f.begin(), f.end());
      }
      w.vector(g.get(), "chip_accuracy", at + "/chip_accuracy", to_vector(acc), "1");
      w.vector(g.get(), "chip_program_s", at + "/chip_program_s", to_vector(prog), "s");
      w.vector(g.get(), "chip_run_s", at + "/chip_run_s", to_vector(run), "s");
      write_int64(w, g.get(), "chip_confusion", at + "/chip_confusion", conf, {r.chips.size(), 10, 10});
    }
    write_chip(w, file, "/digital", r.digital);
    if (o.nominal) write_chip(w, file, "/nominal", r.nominal);
    {
      Hid layers = w.group(file, "layers", "/layers");
      for (std::size_t i = 0; i < r.layers.size(); ++i) {
        const AnalogLayer& l = r.layers[i];
        const LayerMapping& m = r.design.layers[i];
        const std::string full = fmt::format("/layers/{}", i);
        Hid g = w.group(layers.get(), std::to_string(i), full);
        w.str(g.get(), full, "op", l.op);
        w.str(g.get(), full, "name", l.name);
        w.str(g.get(), full, "source", l.source);
        w.i64(g.get(), full, "in_features", l.in_features);
        w.i64(g.get(), full, "out_features", l.out_features);
        w.i64(g.get(), full, "folded_batchnorm", l.folded_batchnorm ? 1 : 0);
        w.i64(g.get(), full, "tiles_r", m.tiles_r);
        w.i64(g.get(), full, "tiles_c", m.tiles_c);
        w.f64(g.get(), full, "x_max", m.x_max);
        w.i64(g.get(), full, "signed_inputs", m.signed_inputs ? 1 : 0);
        w.f64(g.get(), full, "i_full_scale_a", m.i_full_scale_a);
        w.f64(g.get(), full, "rf_ohm", m.rf_ohm);
        w.f64(g.get(), full, "v_ref_v", m.v_ref_v);
        w.f64(g.get(), full, "gain_ohm", m.gain_ohm);
        w.vector(g.get(), "w_max", full + "/w_max", m.w_max, "weight units");
      }
    }
    {
      Hid g = w.group(file, "tile_model_error", "/tile_model_error");
      const std::string at = "/tile_model_error";
      const auto& t = r.design.tile;
      w.i64(g.get(), at, "crossbar_n_samples", static_cast<long long>(t.held_out_crossbar.n_samples));
      w.f64(g.get(), at, "crossbar_rel_l2", t.held_out_crossbar.rel_l2);
      w.f64(g.get(), at, "crossbar_max_pct_fs", t.held_out_crossbar.max_pct_fs);
      w.f64(g.get(), at, "tia_rms_lsb", t.held_out_tia.rms_lsb);
      w.f64(g.get(), at, "tia_max_lsb", t.held_out_tia.max_lsb);
      w.f64(g.get(), at, "adc_codes_rms_lsb", t.held_out_adc_codes.rms_lsb);
      w.f64(g.get(), at, "adc_codes_max_lsb", t.held_out_adc_codes.max_lsb);
    }
    {
      Hid g = w.group(file, "provenance", "/provenance");
      w.str(g.get(), "/provenance", "xbar_version", o.xbar_version);
      w.str(g.get(), "/provenance", "git_hash", o.git_hash);
      w.str(g.get(), "/provenance", "time", r.time);
    }
  });
}

}  // namespace xbar::networks
