// Figures from the lab: each experiment describes its natural figure (`experiment::plot`), and
// gnuplot draws it as SVG. Only the lab uses this; the library knows nothing of plots.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lab {

struct figure {
  struct series {
    std::string title;
    std::vector<std::pair<double, double>> points;  ///< bars: (category index, height)
    bool right_axis = false;                         ///< drawn against the y2 axis
  };
  std::string title, xlabel, ylabel, y2label;
  bool bars = false;  ///< clustered bars over `categories`; otherwise lines over a numeric x
  bool logx = false;
  std::vector<std::string> categories;
  std::vector<series> data;
  std::vector<std::pair<double, std::string>> marks;  ///< dashed vertical lines at x, labelled
  std::optional<double> ymax;                          ///< a fixed top of the y axis (from 0)
  std::string key = "outside top center horizontal";   ///< where the legend goes (gnuplot's `set key`)
};

/// The gnuplot script that draws `f` into the SVG file `svg`.
std::string gnuplot_script(const figure& f, const std::string& svg);

/// Draws `f` into `svg` with gnuplot. Empty on success; otherwise what went wrong (gnuplot
/// missing names the Debian package).
std::string render(const figure& f, const std::string& svg);

}  // namespace lab
