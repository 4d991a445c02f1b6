#include "plot.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <sys/wait.h>

namespace lab {
namespace {

/// A double-quoted gnuplot string (its escapes are C's).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";  // a line break in the figure
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string number(double x) {
  if (!std::isfinite(x)) return "NaN";
  std::ostringstream s;
  s.precision(10);
  s << x;
  return s.str();
}

bool on_path(const char* program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream dirs{path};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (std::FILE* f = std::fopen(candidate.c_str(), "rb")) {
      std::fclose(f);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string gnuplot_script(const figure& f, const std::string& svg) {
  std::ostringstream g;
  g << "set terminal svg size 960,560 dynamic noenhanced font 'sans,13' background rgb 'white'\n";
  g << "set output " << quoted(svg) << "\n";
  g << "set title " << quoted(f.title) << "\n";
  g << "set xlabel " << quoted(f.xlabel) << "\nset ylabel " << quoted(f.ylabel) << "\n";
  g << "set grid ytics\n\n";
  g << "set key " << f.key << "\nset border 3\nset tics nomirror\n";
  if (f.ymax) g << "set yrange [0:" << number(*f.ymax) << "]\n";
  else g << "set yrange [0:*]\n";
  bool right = false;
  for (const auto& s : f.data) right |= s.right_axis;
  if (right) g << "set y2label " << quoted(f.y2label) << "\nset y2tics\nset y2range [0:*]\n";
  if (f.logx) g << "set logscale x\n";
  for (const auto& [x, text] : f.marks) {
    g << "set arrow from " << number(x) << ", graph 0 to " << number(x) << ", graph 1 nohead dashtype 2 lc rgb 'gray30'\n";
    g << "set label " << quoted(text) << " at " << number(x) << ", graph 0.04 rotate by 90 left offset -0.6, 0 tc rgb 'gray20'\n";
  }
  if (f.bars) {
    g << "set style data histogram\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n";
    g << "set boxwidth 0.9\nset xtics rotate by -25 left\nset grid noxtics\n";
    g << "$data << EOD\n";
    for (std::size_t i = 0; i < f.categories.size(); ++i) {
      g << quoted(f.categories[i]);
      for (const auto& s : f.data) {
        double y = NAN;
        for (const auto& [x, v] : s.points)
          if (static_cast<std::size_t>(x) == i) y = v;
        g << " " << number(y);
      }
      g << "\n";
    }
    g << "EOD\nplot ";
    for (std::size_t k = 0; k < f.data.size(); ++k) {
      g << (k == 0 ? "$data" : ", ''") << " using " << k + 2 << (k == 0 ? ":xtic(1)" : "")
        << (f.data[k].right_axis ? " axes x1y2" : "") << " title " << quoted(f.data[k].title);
    }
    g << "\n";
  } else {
    for (std::size_t k = 0; k < f.data.size(); ++k) {
      g << "$d" << k << " << EOD\n";
      for (const auto& [x, y] : f.data[k].points) g << number(x) << " " << number(y) << "\n";
      g << "EOD\n";
    }
    g << "plot ";
    for (std::size_t k = 0; k < f.data.size(); ++k) {
      g << (k == 0 ? "" : ", ") << "$d" << k << " using 1:2 with linespoints pointsize 0.6 linewidth 2"
        << (f.data[k].right_axis ? " axes x1y2" : "") << " title " << quoted(f.data[k].title);
    }
    g << "\n";
  }
  return g.str();
}

std::string render(const figure& f, const std::string& svg) {
  if (!on_path("gnuplot"))
    return "gnuplot not found: install the Debian package gnuplot-nox (scripts/deps installs it)";
  std::FILE* p = ::popen("gnuplot", "w");
  if (p == nullptr) return "could not start gnuplot";
  const std::string script = gnuplot_script(f, svg);
  const bool written = std::fwrite(script.data(), 1, script.size(), p) == script.size();
  const int rc = ::pclose(p);
  if (!written || rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
    return "gnuplot failed to draw " + svg + " (its message is above)";
  return {};
}

}  // namespace lab
