#include "tasks/logical_graph.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "tasks/search_memory.hpp"

namespace recur::tasks {
namespace {

constexpr std::size_t kInputs = 3;

struct Operand {
  bool negated = false;
  std::string name;
};

struct Definition {
  std::vector<Operand> operands;
  std::string op;  // "and", "or", or empty for one operand
};

struct Circuit {
  std::map<std::string, Definition> definitions;
  std::map<std::string, bool> values;  // the inputs' at first
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// "v0412" -> "v 0 4 1 2".
Line label(const std::string& name) {
  Line l = {"v"};
  for (std::size_t i = 1; i < name.size(); ++i) l.emplace_back(1, name[i]);
  return l;
}

Line words(const std::string& line) {
  Line out;
  for (const auto& w : split(line, ' ')) {
    if (w[0] == 'v') {
      const auto l = label(w);
      out.insert(out.end(), l.begin(), l.end());
    } else {
      out.push_back(w);
    }
  }
  return out;
}

Circuit parse(const std::string& program) {
  Circuit c;
  for (const auto& line : split(program, '\n')) {
    const auto w = split(line, ' ');  // name "=" expression...
    if (w.size() == 3 && (w[2] == "True" || w[2] == "False")) {
      c.values[w[0]] = w[2] == "True";
      continue;
    }
    Definition d;
    bool negated = false;
    for (std::size_t i = 2; i < w.size(); ++i) {
      if (w[i] == "not") {
        negated = true;
      } else if (w[i] == "and" || w[i] == "or") {
        d.op = w[i];
      } else {
        d.operands.push_back({negated, w[i]});
        negated = false;
      }
    }
    c.definitions[w.at(0)] = std::move(d);
  }
  return c;
}

bool value_of(const Definition& d, const std::map<std::string, bool>& values) {
  std::vector<bool> terms;
  for (const auto& o : d.operands) terms.push_back(values.at(o.name) != o.negated);
  if (d.op == "and") return terms.at(0) && terms.at(1);
  if (d.op == "or") return terms.at(0) || terms.at(1);
  return terms.at(0);
}

std::string name(std::size_t label) {
  const std::string digits = std::to_string(label);
  std::string n = "v";
  n.append(4 - digits.size(), '0');
  n += digits;
  return n;
}

Line with(Line line, std::initializer_list<std::string> more) {
  line.insert(line.end(), more.begin(), more.end());
  return line;
}

// "True and not True = False": the gate with its operands' values put in, "=", and its value.
Line evaluation(const Definition& d, const std::map<std::string, bool>& values, bool value) {
  Line words;
  for (std::size_t i = 0; i < d.operands.size(); ++i) {
    if (i) words.push_back(d.op);
    if (d.operands[i].negated) words.emplace_back("not");
    words.emplace_back(values.at(d.operands[i].name) ? "True" : "False");
  }
  return with(std::move(words), {"=", value ? "True" : "False"});
}

Trajectory search_trajectory(const std::string& program, const std::string& output, bool evaluate) {
  SearchRecorder r(logical_graph_prompt(program, output));
  Circuit c = parse(program);
  std::string current = output;
  for (;;) {
    // Look up the current node, then each operand; descend into the first without a value,
    // writing the way back "child < current".
    r.find(with(label(current), {"="}));
    const Definition& d = c.definitions.at(current);
    std::string child;
    for (const auto& o : d.operands) {
      r.find(with(label(o.name), {"="}));
      if (!c.values.count(o.name)) {
        child = o.name;
        break;
      }
    }
    if (!child.empty()) {
      Line back = with(label(child), {"<"});
      const auto up = label(current);
      back.insert(back.end(), up.begin(), up.end());
      r.write_line(back);
      current = child;
      continue;
    }
    // Every operand has a value: write the current node's (after the gate's evaluation, if asked),
    // and go back up its way.
    const bool v = value_of(d, c.values);
    if (evaluate) r.write_line(evaluation(d, c.values, v));
    c.values[current] = v;
    r.write_line(with(label(current), {"=", v ? "True" : "False"}));
    const auto way_back = r.find(with(label(current), {"<"}));
    if (way_back.empty()) {
      r.add(Role::output, v ? "True" : "False");
      r.add(Role::stop, "<eos>");
      return r.trajectory();
    }
    // "child < v 6 0 6 1": the parent's label is the tokens after "<", joined.
    const Line& back = way_back.front();
    std::string parent;
    for (auto w = std::find(back.begin(), back.end(), "<") + 1; w < back.end(); ++w) parent += *w;
    current = parent;
  }
}

}  // namespace

std::pair<std::string, std::string> draw_logical_graph(std::mt19937_64& rng, std::size_t nodes) {
  nodes = std::clamp(nodes, kInputs + 1, kGraphMaxNodes);
  // Distinct labels: the first `nodes` of a partial Fisher-Yates shuffle of 0..9999.
  std::vector<std::size_t> labels(kGraphMaxNodes);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = i;
  for (std::size_t i = 0; i < nodes; ++i)
    std::swap(labels[i], labels[i + rng() % (labels.size() - i)]);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < nodes; ++i) names.push_back(name(labels[i]));
  std::string program;
  for (std::size_t i = 0; i < nodes; ++i) {
    if (i) program += "\n";
    program += names[i] + " = ";
    if (i < kInputs) {
      program += rng() % 2 ? "True" : "False";
      continue;
    }
    const std::size_t first = rng() % i;
    if (rng() % 2) program += "not ";
    program += names[first];
    if (rng() % 2) {
      std::size_t second = rng() % (i - 1);
      if (second >= first) ++second;  // distinct from the first
      program += rng() % 2 ? " and " : " or ";
      if (rng() % 2) program += "not ";
      program += names[second];
    }
  }
  return {program, names.back()};
}

std::vector<std::string> logical_graph_prompt(const std::string& program,
                                              const std::string& output) {
  std::vector<std::string> p;
  for (const auto& line : split(program, '\n')) {
    const auto w = words(line);
    p.insert(p.end(), w.begin(), w.end());
    p.emplace_back("[NL]");
  }
  p.emplace_back("?");
  const auto l = label(output);
  p.insert(p.end(), l.begin(), l.end());
  p.emplace_back("[NL]");
  return p;
}

Trajectory logical_graph_trajectory(const std::string& program, const std::string& output) {
  return search_trajectory(program, output, false);
}

Trajectory logical_graph_eval_trajectory(const std::string& program, const std::string& output) {
  return search_trajectory(program, output, true);
}

std::string logical_graph_answer(const std::string& program, const std::string& output) {
  Circuit c = parse(program);
  // The lines are in order: every operand is defined before it is used.
  for (const auto& line : split(program, '\n')) {
    const std::string n = split(line, ' ').at(0);
    if (c.definitions.count(n)) c.values[n] = value_of(c.definitions.at(n), c.values);
  }
  return c.values.at(output) ? "True" : "False";
}

}  // namespace recur::tasks
